// The app's stacks for one checked environment (main.ts loads this module while the environment
// is being checked: it is what loads cdktf and the provider bindings).
import { App } from 'cdktf';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../config/types';
import type { AgentGatewayStack as AgentGatewayStackType } from './agent-gateway';
import { FoundationStack } from './foundation';
import { ServersStack } from './servers';
import { StateBootstrapStack } from './state-bootstrap';

export { ConstructConfigError } from '../modules/construct-validation';

/** Builds every stack of `config` and writes them (cdktf's outdir, CDKTF_OUTDIR); `rootDir` holds backend.hcl's state file. */
export function synthesizeApp(config: EnvironmentConfig, rootDir: string): void {
  // No construct stack traces in the metadata: they cost a source-mapped stack per resource at
  // every synth, and say nothing an operator needs.
  const app = new App({ stackTraces: false });
  new FoundationStack(app, 'foundation', { config });
  new ServersStack(app, 'servers', { config });
  if (config.foundation.agentGateway) {
    // Loaded only where configured: its AgentCore bindings are 1.2 MB of JavaScript to compile.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AgentGatewayStack } = require('./agent-gateway') as { AgentGatewayStack: typeof AgentGatewayStackType };
    new AgentGatewayStack(app, 'agent-gateway', { config });
  }
  new StateBootstrapStack(app, 'state-bootstrap', {
    backend: config.backend,
    // One state bucket serves every environment that shares backend.hcl: name the file after it.
    localStateFile: join(rootDir, `state-bootstrap.${config.backend.bucket}.tfstate`),
    tags: config.foundation.tags,
  });
  app.synth();
}
