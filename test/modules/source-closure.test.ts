// The Lambda bundles' caches are keyed on sourceClosure: it must name every repository file
// esbuild actually bundles (its metafile's inputs), or an edit to one of them would be served
// from a stale cache.
import { build } from 'esbuild';
import { join, relative } from 'node:path';
import { AGENT_LAMBDA_ENTRIES, REPO_ROOT, VENDING_LAMBDA_ENTRY, sourceClosure } from '../../modules/bundle';

test.each([
  ['credential-vending', VENDING_LAMBDA_ENTRY],
  ['agent-tools', AGENT_LAMBDA_ENTRIES['agent-tools']],
  ['agent-interceptor', AGENT_LAMBDA_ENTRIES['agent-interceptor']],
])('%s: every repository file esbuild bundles is in the source closure the cache key hashes', async (_name, entry) => {
  const { metafile } = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent', external: ['aws-crt', '@aws-sdk/signature-v4-crt', 'bowser'] });
  const bundled = Object.keys(metafile.inputs).filter((input) => !input.startsWith('node_modules/')).map((input) => join(REPO_ROOT, input)).sort();
  const closure = sourceClosure([entry]);
  expect(bundled.filter((file) => !closure.includes(file)).map((file) => relative(REPO_ROOT, file))).toEqual([]);
  // The shared policies are what the old folder-based key missed.
  if (entry === VENDING_LAMBDA_ENTRY) expect(closure.map((file) => relative(REPO_ROOT, file))).toContain('modules/policies/s3-access.ts');
});
