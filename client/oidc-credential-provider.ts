/**
 * oidc-credential-provider: AWS credentials for a host outside AWS, from its OAuth 2.0 client.
 *
 *   get-credentials     print credential_process JSON (for `credential_process = …`)
 *   credential-daemon   keep a profile of the shared credentials file fresh
 *   token-daemon        keep a web-identity token file fresh (Auth0, AWS_WEB_IDENTITY_TOKEN_FILE)
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { PRIVATE_DIR_MODE, writeFileAtomic } from './atomic-file';
import { applyEnvFile, parseCommandLine, runMain, terminationSignal, warnTo } from './cli';
import { loadProviderConfig, type Environment } from './config';
import { toCredentialProcessJson } from './credentials';
import { writeProfile } from './credentials-file';
import { runRefreshLoop } from './daemon';
import { UsageError } from './errors';
import { OidcCredentialProvider } from './provider';

const PROGRAM = 'oidc-credential-provider';

const USAGE = `usage: ${PROGRAM} <command> [--env-file FILE]

commands:
  get-credentials                       print credential_process JSON on stdout
  credential-daemon [--profile NAME] [--credentials-file FILE] [--once]
                                        keep a profile of the shared credentials file fresh
                                        (default profile oidc-s3; file $AWS_SHARED_CREDENTIALS_FILE
                                        or ~/.aws/credentials)
  token-daemon --token-file FILE [--once]
                                        keep a web-identity token file fresh (Auth0)

configuration: OIDC_IDP_TYPE, OIDC_TOKEN_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET(_FILE),
OIDC_AUDIENCE + OIDC_ROLE_ARN + AWS_REGION (auth0) or CREDENTIAL_VENDING_URL [+ OIDC_SCOPES]
(cognito), OIDC_CACHE_DIR, OIDC_REFRESH_MARGIN_SECONDS, OIDC_SESSION_DURATION_SECONDS,
OIDC_HTTP_TIMEOUT_SECONDS; --env-file reads KEY=VALUE lines that override the environment.
`;

const OPTIONS = {
  'env-file': { type: 'string' },
  profile: { type: 'string' },
  'credentials-file': { type: 'string' },
  'token-file': { type: 'string' },
  once: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(args, OPTIONS);
  const [command, ...extra] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!command) throw new UsageError('a command is required: get-credentials, credential-daemon or token-daemon (see --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (see --help)`);
  const env = applyEnvFile(values['env-file']);
  const warn = warnTo(PROGRAM);
  const provider = () => new OidcCredentialProvider(loadProviderConfig(env), { warn });

  switch (command) {
    case 'get-credentials': {
      const credentials = await provider().getCredentials();
      process.stdout.write(`${JSON.stringify(toCredentialProcessJson(credentials))}\n`);
      return 0;
    }
    case 'credential-daemon': {
      const p = provider();
      const file = values['credentials-file'] ?? sharedCredentialsFile(env);
      const profile = values.profile ?? 'oidc-s3';
      if (!/^[\w.@+-]+$/.test(profile)) throw new UsageError(`--profile "${profile}" is not a valid profile name`);
      return runRefreshLoop({
        refresh: async () => {
          const credentials = await p.getCredentials();
          writeProfile(file, profile, credentials);
          return credentials.expiration;
        },
        marginSeconds: p.config.refreshMarginSeconds,
        once: values.once ?? false,
        signal: terminationSignal(),
        log: (message) => process.stderr.write(`${PROGRAM} credential-daemon [${profile}]: ${message}\n`),
      });
    }
    case 'token-daemon': {
      const p = provider();
      if (p.config.idpType !== 'auth0') {
        throw new UsageError('token-daemon needs OIDC_IDP_TYPE=auth0: Cognito tokens have no audience STS accepts; use get-credentials');
      }
      const file = values['token-file'] ?? env.AWS_WEB_IDENTITY_TOKEN_FILE;
      if (!file) throw new UsageError('token-daemon needs --token-file (or AWS_WEB_IDENTITY_TOKEN_FILE)');
      return runRefreshLoop({
        refresh: async () => {
          const token = await p.getToken();
          writeTokenFile(file, token.accessToken);
          return token.expiresAt;
        },
        marginSeconds: p.config.refreshMarginSeconds,
        once: values.once ?? false,
        signal: terminationSignal(),
        log: (message) => process.stderr.write(`${PROGRAM} token-daemon: ${message}\n`),
      });
    }
    default:
      throw new UsageError(`unknown command "${command}": use get-credentials, credential-daemon or token-daemon (see --help)`);
  }
}

function sharedCredentialsFile(env: Environment): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(env.HOME || homedir(), '.aws', 'credentials');
}

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

runMain(PROGRAM, () => main(process.argv.slice(2)));
