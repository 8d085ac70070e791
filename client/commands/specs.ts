// What the command line knows of each subcommand before it runs one: its name, its lines of the
// usage text and its options. Apart from the commands themselves, so that oidc-credential-provider
// loads only the command it runs: get-credentials, started by the AWS CLI and the SDKs for every
// new process, then loads no HTTP server (serve) and no TLS probes (doctor).
import type { CommandSpec } from './command';

export const GET_CREDENTIALS = {
  name: 'get-credentials',
  usage: `  get-credentials                       print credential_process JSON on stdout`,
  options: {},
} as const satisfies CommandSpec;

export const CREDENTIAL_DAEMON = {
  name: 'credential-daemon',
  usage: `  credential-daemon [--profile NAME] [--credentials-file FILE] [--once]
                                        keep a profile of the shared credentials file fresh
                                        (default profile oidc-s3; file $AWS_SHARED_CREDENTIALS_FILE
                                        or ~/.aws/credentials)`,
  options: {
    profile: { type: 'string' },
    'credentials-file': { type: 'string' },
    once: { type: 'boolean' },
  },
} as const satisfies CommandSpec;

export const TOKEN_DAEMON = {
  name: 'token-daemon',
  usage: `  token-daemon --token-file FILE [--once]
                                        keep a web-identity token file fresh (Auth0)`,
  options: {
    'token-file': { type: 'string' },
    once: { type: 'boolean' },
  },
} as const satisfies CommandSpec;

export const SERVE = {
  name: 'serve',
  usage: `  serve [--port N] [--token-file FILE]  a credentials endpoint on 127.0.0.1 (default port 9911,
                                        or OIDC_SERVE_PORT) for AWS_CONTAINER_CREDENTIALS_FULL_URI;
                                        the token file (default <OIDC_CACHE_DIR>/serve.token) is
                                        created 0600 with a random token when missing`,
  options: {
    port: { type: 'string' },
    'token-file': { type: 'string' },
    address: { type: 'string' },
  },
} as const satisfies CommandSpec;

export const DOCTOR = {
  name: 'doctor',
  usage: `  doctor [--json]                       check settings, secret file, token endpoint, client
                                        authentication, token claims, exchange and a write under
                                        the prefix; name the first failing step and its fix`,
  options: {
    json: { type: 'boolean' },
  },
} as const satisfies CommandSpec;
