import { buildSync, type BuildOptions } from 'esbuild';
import { join } from 'node:path';

/** Where the repository's TypeScript sources live, relative to this file. */
export const REPO_ROOT = join(__dirname, '..');

/** The credential-vending handler's entry point, bundled for the nodejs22.x runtime. */
export const VENDING_LAMBDA_ENTRY = join(REPO_ROOT, 'lambda/credential-vending/handler.ts');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
  // The SDK's optional CRT and credential-provider back ends are never used here.
  external: ['aws-crt', '@aws-sdk/signature-v4-crt'],
};

/**
 * Bundles the vending Lambda into `<outdir>/index.js` (handler `index.handler`).
 * Synchronous so that a construct can call it while the app synthesizes.
 */
export function bundleVendingLambda(outdir: string): string {
  const outfile = join(outdir, 'index.js');
  buildSync({ ...common, entryPoints: [VENDING_LAMBDA_ENTRY], outfile, target: 'node22' });
  return outfile;
}

/** The host client's executables: single files that run on Node 20+ with no node_modules. */
export const CLIENT_BUNDLES = {
  'oidc-credential-provider': join(REPO_ROOT, 'client/oidc-credential-provider.ts'),
  's3-ops': join(REPO_ROOT, 'client/s3-ops.ts'),
} as const;

export function bundleClient(outdir: string): string[] {
  return Object.entries(CLIENT_BUNDLES).map(([name, entry]) => {
    const outfile = join(outdir, `${name}.js`);
    buildSync({
      ...common,
      entryPoints: [entry],
      outfile,
      target: 'node20',
      banner: { js: '#!/usr/bin/env node' },
    });
    return outfile;
  });
}
