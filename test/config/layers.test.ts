// The layers stay one-way: constructs (modules/) and stacks use the zod-free rules of
// config/rules, never the zod schema, its shapes or zod itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const ZOD_SIDE = /from '(?:zod|[./]+config\/(?:schema|shapes|zod-problems))'/;

test.each([...sources('modules'), ...sources('stacks'), ...sources('config/rules')])('%s imports neither zod nor the schema', (file) => {
  expect(readFileSync(join(root, file), 'utf8')).not.toMatch(ZOD_SIDE);
});

test('the rules module is the only home of the naming patterns', () => {
  const users = [...sources('modules'), ...sources('stacks'), ...sources('config')]
    .filter((file) => !file.startsWith(join('config', 'rules')))
    .filter((file) => /from '[./]+(?:config\/)?rules\/patterns'/.test(readFileSync(join(root, file), 'utf8')));
  expect(users.map((file) => relative(root, join(root, file)))).toEqual([]);
});
