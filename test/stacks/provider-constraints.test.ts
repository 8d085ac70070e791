// The provider constraints every synthesized stack writes: they must admit the releases
// `npm run verify:terraform` validates with (aws 6.47.1 built from source, auth0 1.55.0 schema)
// and the one @cdktf/provider-aws was generated from (6.25.0), and exclude known-broken auth0 releases.
import { join } from 'node:path';
import { App } from 'cdktf';
import { loadEnvironment } from '../../config/load';
import { FoundationStack } from '../../stacks/foundation';
import { ServersStack } from '../../stacks/servers';
import { StateBootstrapStack } from '../../stacks/state-bootstrap';
import { synthStack } from '../support/synth';

const REPO = join(__dirname, '..', '..');

test('every stack admits hashicorp/aws ~> 6.25 and auth0/auth0 ~> 1.55 (not 1.0.0-1.1.0 of #884, not 1.39.0 of #1466)', async () => {
  const config = await loadEnvironment({ rootDir: REPO, environment: 'dev' });
  const app = new App({ outdir: join(REPO, 'cdktf.out.test-unused'), stackTraces: false });
  const stacks = [
    new FoundationStack(app, 'foundation', { config }),
    new ServersStack(app, 'servers', { config }),
    new StateBootstrapStack(app, 'state-bootstrap', { backend: config.backend, localStateFile: '/tmp/unused.tfstate' }),
  ];
  for (const stack of stacks) {
    const providers = synthStack(stack).terraform.required_providers;
    expect(providers.aws).toEqual({ source: 'aws', version: '~> 6.25' });
    if (stack.node.id !== 'state-bootstrap') expect(providers.auth0).toEqual({ source: 'auth0/auth0', version: '~> 1.55' });
  }
});
