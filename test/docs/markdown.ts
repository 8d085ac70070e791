// Reading the guides as data: the README's quick-start block, the reference tables of
// docs/CONFIGURATION.md, and the names the guides mention in backticks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');

/** README.md, SECURITY.md and every Markdown file under docs/, by path relative to the repository. */
export function guides(): Map<string, string> {
  const files = ['README.md', 'SECURITY.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return new Map(files.map((file) => [file, readFileSync(join(ROOT, file), 'utf8')]));
}

/** The commands of the fenced block right after `<!-- <marker> -->`, one per non-comment line. */
export function commandsAfter(markdown: string, marker: string): string[] {
  const at = markdown.indexOf(`<!-- ${marker} -->`);
  if (at === -1) throw new Error(`no <!-- ${marker} --> marker`);
  const block = /^```(?:bash|sh)\n([\s\S]*?)^```/m.exec(markdown.slice(at));
  if (!block) throw new Error(`no bash block after <!-- ${marker} -->`);
  return block[1]!.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The first column of the table right after `<!-- keys:<name> -->`: the backticked name of each
 * row. A row whose first cell is not one backticked name is an error, so a typo cannot hide.
 */
export function tableKeys(markdown: string, name: string): string[] {
  const at = markdown.indexOf(`<!-- keys:${name} -->`);
  if (at === -1) throw new Error(`no <!-- keys:${name} --> table`);
  const lines = markdown.slice(at).split('\n').slice(1);
  const rows = [];
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(line);
  }
  return rows.slice(2).map((row) => {
    const cell = row.split('|')[1]!.trim();
    const match = /^`([^`]+)`$/.exec(cell);
    if (!match) throw new Error(`table keys:${name}: first cell "${cell}" is not one \`name\``);
    return match[1]!;
  });
}

/** Every `code span` in a text. */
export function codeSpans(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));
}
