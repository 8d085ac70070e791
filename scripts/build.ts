// `npm run build`: the vending Lambda and the host client as single-file bundles under dist/.
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleClient, bundleVendingLambda, REPO_ROOT } from '../modules/bundle';

const dist = join(REPO_ROOT, 'dist');
const outputs = [bundleVendingLambda(join(dist, 'lambda/credential-vending')), ...bundleClient(join(dist, 'client'))];
for (const file of outputs) {
  if (file.includes('/client/')) chmodSync(file, 0o755);
  console.log(`${file.slice(REPO_ROOT.length + 1)}\t${(statSync(file).size / 1024).toFixed(0)} KiB`);
}
