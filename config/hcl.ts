import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `@cdktf/hcl2json`'s parse, remembered by content: the parser is Go compiled to WebAssembly and
 * costs about 0.1 s of every synth to load, for a backend.hcl that rarely changes. The cache key
 * is the text and the parser's version; only successful parses are kept, so an error is always
 * the parser's own. A cache that cannot be read or written is simply not used.
 */
export async function parseHclCached(file: string, text: string): Promise<unknown> {
  const packageJson = require.resolve('@cdktf/hcl2json/package.json');
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  // Beside the parser's package (node_modules/.cache), wherever this code runs from: the app's sources or the config worker's bundle.
  const cache = join(dirname(packageJson), '..', '..', '.cache', 'oidc-s3', 'hcl2json');
  const entry = join(cache, `${createHash('sha256').update(`${version}\0${text}`).digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(entry, 'utf8')) as unknown;
  } catch {
    // a miss (or an unreadable entry): parse
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('@cdktf/hcl2json') as typeof import('@cdktf/hcl2json');
  const parsed = await parse(file, text);
  try {
    mkdirSync(cache, { recursive: true });
    const staging = `${entry}.${process.pid}.tmp`;
    writeFileSync(staging, JSON.stringify(parsed));
    renameSync(staging, entry);
  } catch {
    // read-only checkout: the next synth parses again
  }
  return parsed;
}
