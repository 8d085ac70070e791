import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadProviderConfig } from '../config/provider-config';
import { OidcCredentialProvider } from '../credentials/credential-provider';
import { UsageError } from '../errors';
import { PRIVATE_DIR_MODE, writeFileAtomic } from '../storage/atomic-file';
import type { Command } from './command';
import { TOKEN_DAEMON } from './specs';

/** `token-daemon`: keeps a web-identity token file fresh for `AWS_WEB_IDENTITY_TOKEN_FILE` (Auth0). */
export const tokenDaemon: Command = {
  ...TOKEN_DAEMON,
  async run({ env, options, warn, signal }) {
    const provider = new OidcCredentialProvider(loadProviderConfig(env), { warn });
    if (provider.config.exchange !== 'sts') {
      throw new UsageError(
        provider.config.idpType === 'auth0'
          ? 'token-daemon needs OIDC_ROLE_ARN (auth0_exchange "direct"): with CREDENTIAL_VENDING_URL the role trusts only the vending API; use get-credentials'
          : 'token-daemon needs OIDC_IDP_TYPE=auth0: Cognito tokens have no audience STS accepts; use get-credentials',
      );
    }
    const file = (options['token-file'] as string | undefined) ?? env.AWS_WEB_IDENTITY_TOKEN_FILE;
    if (!file) throw new UsageError('token-daemon needs --token-file (or AWS_WEB_IDENTITY_TOKEN_FILE)');
    // Required here, not imported at the top: get-credentials never loads a daemon's parts.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runRefreshLoop } = require('../credentials/refresh-loop') as typeof import('../credentials/refresh-loop');
    provider.assertCacheWritable();
    return runRefreshLoop({
      refresh: async () => {
        const token = await provider.getToken();
        writeTokenFile(file, token.accessToken);
        return token.expiresAt;
      },
      marginSeconds: provider.config.refreshMarginSeconds,
      once: options.once === true,
      signal: signal(),
      log: (message) => process.stderr.write(`oidc-credential-provider token-daemon: ${message}\n`),
    });
  },
};

/** Rewrites the token file only when the token changed, so readers rarely see a new inode. */
function writeTokenFile(path: string, token: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === token) return;
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileAtomic(path, token);
}
