// The cdktf app: environment files -> validated config -> stacks. The only place that reads
// the process environment; everything below receives plain, validated values.
import './stacks/synth-process';
import { App } from 'cdktf';
import { join } from 'node:path';
import { ConfigError } from './config/errors';
import { ConstructConfigError } from './modules/construct-validation';
import { AgentGatewayStack } from './stacks/agent-gateway';
import { loadCheckedEnvironment } from './stacks/checked-environment';
import { FoundationStack } from './stacks/foundation';
import { ServersStack } from './stacks/servers';
import { StateBootstrapStack } from './stacks/state-bootstrap';

async function main(): Promise<void> {
  const config = await loadCheckedEnvironment(__dirname, process.env.ENVIRONMENT ?? 'dev', (text) => process.stderr.write(`${text}\n`));
  // No construct stack traces in the metadata: they cost a source-mapped stack per resource at
  // every synth, and say nothing an operator needs.
  const app = new App({ stackTraces: false });
  new FoundationStack(app, 'foundation', { config });
  new ServersStack(app, 'servers', { config });
  if (config.foundation.agentGateway) new AgentGatewayStack(app, 'agent-gateway', { config });
  new StateBootstrapStack(app, 'state-bootstrap', {
    backend: config.backend,
    // One state bucket serves every environment that shares backend.hcl: name the file after it.
    localStateFile: join(__dirname, `state-bootstrap.${config.backend.bucket}.tfstate`),
    tags: config.foundation.tags,
  });
  app.synth();
}

main().catch((error: unknown) => {
  // A configuration problem is the operator's to fix: show the list, not a stack trace.
  process.stderr.write(`${error instanceof ConfigError || error instanceof ConstructConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
