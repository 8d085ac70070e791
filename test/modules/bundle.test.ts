// The esbuild bundle that ships (modules/bundle.ts) vends end to end in a fresh Node process,
// reaching the local servers only through the environment.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleVendingLambda } from '../../modules/bundle';
import { assumeRoleCalls, startVendingEnv, tokenFor, vendingEvent, type VendingEnv } from '../lambda/harness';

let ctx: VendingEnv;
let dir: string;
beforeAll(async () => {
  ctx = await startVendingEnv();
  dir = mkdtempSync(join(tmpdir(), 'vending-bundle-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await ctx.close();
});

it('runs the bundled handler once, from a process with no access to node_modules', async () => {
  const outfile = bundleVendingLambda(dir);
  expect(statSync(outfile).size).toBeGreaterThan(10_000);
  const event = vendingEvent({ token: await tokenFor(ctx.idp, 'clientA'), body: '{"duration_seconds":900}' });
  const script = `require(${JSON.stringify(outfile)}).handler(JSON.parse(process.env.EVENT)).then((r) => process.stderr.write(JSON.stringify(r)))`;
  const before = assumeRoleCalls(ctx.sts).length;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], {
    cwd: dir,
    env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, NODE_PATH: '', ...ctx.env, EVENT: JSON.stringify(event) },
  });
  const result = JSON.parse(stderr.slice(stderr.indexOf('{"statusCode"'))) as { statusCode: number; body: string };
  expect(result.statusCode).toBe(200);
  expect(JSON.parse(result.body)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIA/) });
  expect(assumeRoleCalls(ctx.sts).slice(before)).toEqual([expect.objectContaining({ params: expect.objectContaining({ DurationSeconds: '900', SourceIdentity: 'web-01' }) })]);
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ event: 'credentials_vended', client_id: 'clientA', server: 'web-01' });
});
