// Security review #10: every server role ARN written in the examples and guides must be one the
// stacks actually create. The role path and name come from synthesizing each shipped
// environment's servers stack, not from a second copy of the naming rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Testing } from 'cdktf';
import { knownEnvironments, loadEnvironment } from '../../config/load';
import { namePrefix } from '../../config/types';
import { ServersStack } from '../../stacks/servers';
import { synthStack } from '../support/synth';

const ROOT = join(__dirname, '../..');

/** Example and documentation files a reader copies role ARNs from. */
function documents(): string[] {
  const list = (dir: string, keep: (name: string) => boolean) =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).filter((entry) => entry.isFile() && keep(entry.name)).map((entry) => join(dir, entry.name));
  return [
    ...list('.', (name) => name.endsWith('.md')),
    ...list('docs', (name) => name.endsWith('.md')),
    ...list('client', (name) => name.endsWith('.md')),
    ...list('client/examples', () => true),
  ];
}

const ROLE_ARN = /arn:aws:iam::(?:\d{12}|<[^>]+>):role\/([\w+=,.@/<>-]+)/g;

describe('server role ARNs in examples and guides match what synth produces', () => {
  const shapes = new Map<string, { path: string; name: string }>();

  beforeAll(async () => {
    for (const environment of knownEnvironments(ROOT)) {
      const config = await loadEnvironment({ rootDir: ROOT, environment });
      const role = synthStack(new ServersStack(Testing.app(), 'servers', { config })).resource.aws_iam_role.server;
      shapes.set(namePrefix(config), { path: role.path as string, name: role.name as string });
    }
  });

  test('every shipped environment puts its server roles under /<project>-<env>/ named <project>-<env>-<server>', () => {
    expect(shapes.size).toBeGreaterThan(0);
    for (const [prefix, shape] of shapes) expect(shape).toEqual({ path: `/${prefix}/`, name: `${prefix}-\${each.key}` });
  });

  test('the documents name at least one server role, each with the path synth gives it', () => {
    const found: string[] = [];
    const wrong: string[] = [];
    // Longest prefix first: `oidc-s3-dev-cognito-web-01` belongs to dev-cognito, not to dev.
    const prefixes = [...shapes.keys()].sort((a, b) => b.length - a.length);
    for (const file of documents()) {
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(ROLE_ARN)) {
        const rolePart = match[1]!;
        const name = rolePart.split('/').pop()!;
        const prefix = prefixes.find((candidate) => name.startsWith(`${candidate}-`));
        if (prefix === undefined || name === `${prefix}-credential-vending`) continue;
        found.push(`${relative(ROOT, join(ROOT, file))}: ${match[0]}`);
        const { path } = shapes.get(prefix)!;
        if (`/${rolePart}` !== `${path}${name}`) wrong.push(`${file}: ${match[0]} (synth: role${path}${name})`);
      }
    }
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(wrong).toEqual([]);
  });
});
