import { join } from 'node:path';
import { loadProviderConfig } from '../config/provider-config';
import { lifetimeLeftSeconds, onHostClock, type AwsCredentials } from '../credentials/aws-credentials';
import { MIN_USABLE_SECONDS, OidcCredentialProvider } from '../credentials/credential-provider';
import { runRefreshLoop } from '../credentials/refresh-loop';
import { ConfigError, UsageError } from '../errors';
import { AuthorizationToken } from '../serve/authorization-token';
import { DEFAULT_PORT, startCredentialsEndpoint } from '../serve/credentials-endpoint';
import { ensurePrivateDir } from '../storage/atomic-file';
import type { Command } from './command';
import { SERVE } from './specs';

const LOG_PREFIX = 'oidc-credential-provider serve';

/**
 * `serve`: one process hands credentials to every SDK of the host through the container-
 * credentials protocol (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
 * Credentials live in memory and in the provider's cache; a background loop renews them
 * OIDC_REFRESH_MARGIN_SECONDS before expiry (with jitter, backing off while the IdP is down),
 * and requests are answered with whatever is still valid in the meantime.
 */
export const serve: Command = {
  ...SERVE,
  async run({ env, options, warn, signal }) {
    const provider = new OidcCredentialProvider(loadProviderConfig(env), { warn });
    // Credentials with MIN_USABLE_SECONDS left are no longer handed out; renewal must start before.
    const floor = MIN_USABLE_SECONDS + 10;
    if (provider.config.refreshMarginSeconds < floor) {
      throw new ConfigError('OIDC_REFRESH_MARGIN_SECONDS', `must be at least ${floor} for serve, which stops handing out credentials ${MIN_USABLE_SECONDS} s before they expire (got ${provider.config.refreshMarginSeconds})`);
    }
    const port = readPort((options.port as string | undefined) ?? env.OIDC_SERVE_PORT);
    let tokenFile = options['token-file'] as string | undefined;
    if (!tokenFile) {
      ensurePrivateDir(provider.config.cacheDir);
      tokenFile = join(provider.config.cacheDir, 'serve.token');
    }
    const token = new AuthorizationToken(tokenFile);
    const log = (message: string) => process.stderr.write(`${LOG_PREFIX}: ${message}\n`);

    let current: AwsCredentials | undefined;
    let inflight: Promise<AwsCredentials> | undefined;
    /** One refresh at a time, however many requests and the loop ask together. */
    const refresh = (): Promise<AwsCredentials> => {
      inflight ??= provider.getCredentials().then(
        (credentials) => {
          current = credentials;
          inflight = undefined;
          return credentials;
        },
        (error: unknown) => {
          inflight = undefined;
          throw error;
        },
      );
      return inflight;
    };
    // Judged at each request by the issuer's clock, so a step of the host clock while serving changes nothing.
    const usable = (): AwsCredentials | undefined => (current && lifetimeLeftSeconds(current, provider.clock) > MIN_USABLE_SECONDS ? current : undefined);

    const endpoint = await startCredentialsEndpoint({
      port,
      address: options.address as string | undefined,
      token,
      credentials: async () => usable() ?? refresh(),
      clock: provider.clock,
      log,
    });
    log(`listening on ${endpoint.url} (token file ${tokenFile}${token.created ? ', created' : ''})`);

    const stop = signal();
    const code = await runRefreshLoop({
      // When the IdP is down the provider returns the still-valid credentials it has, and the
      // loop backs off (see runRefreshLoop) while requests keep getting them.
      refresh: async () => onHostClock(await refresh(), provider.clock).expiration,
      marginSeconds: provider.config.refreshMarginSeconds,
      once: false,
      signal: stop,
      log,
    });
    await endpoint.close();
    log('stopped');
    return code;
  },
};

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535 (got "${raw}")`);
  return port;
}

