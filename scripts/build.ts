// `npm run build`: the Lambdas (vending, and the agent gateway's tools and interceptor) and the
// host client as single-file bundles under dist/.
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_LAMBDA_ENTRIES, bundleAgentLambda, bundleClient, bundleVendingLambda, REPO_ROOT, type AgentLambdaName } from '../modules/bundle';

const dist = join(REPO_ROOT, 'dist');
const outputs = [
  bundleVendingLambda(join(dist, 'lambda/credential-vending')),
  ...(Object.keys(AGENT_LAMBDA_ENTRIES) as AgentLambdaName[]).map((name) => bundleAgentLambda(name, join(dist, 'lambda', name))),
  ...bundleClient(join(dist, 'client')),
];
for (const file of outputs) {
  if (file.includes('/client/')) chmodSync(file, 0o755);
  console.log(`${file.slice(REPO_ROOT.length + 1)}\t${(statSync(file).size / 1024).toFixed(0)} KiB`);
}
