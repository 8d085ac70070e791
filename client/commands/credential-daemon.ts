import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadProviderConfig } from '../config/provider-config';
import type { Environment } from '../config/settings';
import { onHostClock } from '../credentials/aws-credentials';
import { OidcCredentialProvider } from '../credentials/credential-provider';
import { UsageError } from '../errors';
import type { Command } from './command';
import { CREDENTIAL_DAEMON } from './specs';

/** `credential-daemon`: keeps one profile of a shared credentials file fresh. */
export const credentialDaemon: Command = {
  ...CREDENTIAL_DAEMON,
  async run({ env, options, warn, signal }) {
    const provider = new OidcCredentialProvider(loadProviderConfig(env), { warn });
    provider.assertCacheWritable();
    const file = (options['credentials-file'] as string | undefined) ?? sharedCredentialsFile(env);
    const profile = (options.profile as string | undefined) ?? 'oidc-s3';
    if (!/^[\w.@+-]+$/.test(profile)) throw new UsageError(`--profile "${profile}" is not a valid profile name`);
    // Required here, not imported at the top: get-credentials never loads a daemon's parts.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { runRefreshLoop } = require('../credentials/refresh-loop') as typeof import('../credentials/refresh-loop');
    const { writeProfile } = require('../storage/shared-credentials-file') as typeof import('../storage/shared-credentials-file');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return runRefreshLoop({
      refresh: async () => {
        // The file's expiry comment and the schedule on this host's clock (see onHostClock).
        const credentials = onHostClock(await provider.getCredentials(), provider.clock);
        writeProfile(file, profile, credentials);
        return credentials.expiration;
      },
      marginSeconds: provider.config.refreshMarginSeconds,
      once: options.once === true,
      signal: signal(),
      log: (message) => process.stderr.write(`oidc-credential-provider credential-daemon [${profile}]: ${message}\n`),
    });
  },
};

/** Where the AWS SDKs look for the shared credentials file. */
function sharedCredentialsFile(env: Environment): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
}
