import { lstatSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { loadProviderConfig, type ProviderConfig } from '../config/provider-config';
import type { Environment } from '../config/settings';
import type { AwsCredentials } from '../credentials/aws-credentials';
import { exchangeToken, webIdentityExchange } from '../credentials/token-exchange';
import { requestToken } from '../credentials/token-request';
import { environmentProxyAgent, proxyFor, type ProxyRoute } from '../credentials/proxy';
import { CLOCK_SKEW_WARNING_SECONDS, S3_SIGNATURE_SKEW_LIMIT_SECONDS } from '../credentials/issuer-clock';
import { ClientError, firstLine } from '../errors';
import { readingFromAudienceError, readingFromSuccess, type AudienceReading } from './audience-reading';

export type StepId = 'settings' | 'secret-file' | 'token-endpoint' | 'client-authentication' | 'token-claims' | 'exchange' | 's3-probe';

export const STEP_LABELS: Readonly<Record<StepId, string>> = {
  settings: 'settings',
  'secret-file': 'secret file',
  'token-endpoint': 'token endpoint',
  'client-authentication': 'client authentication',
  'token-claims': 'token claims',
  exchange: 'exchange',
  's3-probe': 'S3 probe',
};

export interface StepResult {
  readonly step: StepId;
  readonly status: 'pass' | 'fail' | 'skip';
  /** What was seen; never a secret or a whole token. */
  readonly detail: string;
  /** For a failure: the likely cause and the fix. */
  readonly cause?: string;
  readonly fix?: string;
  /** exchange (Auth0 direct): which claim STS matched. */
  readonly audienceReading?: AudienceReading;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly failedStep?: StepId;
  readonly steps: readonly StepResult[];
}

class StepFailure extends Error {
  constructor(
    readonly detail: string,
    readonly cause: string,
    readonly fix: string,
    readonly audienceReading?: AudienceReading,
  ) {
    super(detail);
  }
}

const fail = (detail: string, cause: string, fix: string, reading?: AudienceReading): never => {
  throw new StepFailure(detail, cause, fix, reading);
};

const CONFIG_DOC = 'docs/CONFIGURATION.md, "Client environment variables"';

/** The owner's name from /etc/passwd, or the uid. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    return line ? line.split(':')[0]! : String(uid);
  } catch {
    return String(uid);
  }
}

function settingsStep(env: Environment): string {
  if (env.OIDC_CLIENT_SECRET && env.OIDC_CLIENT_SECRET_FILE?.trim()) {
    fail('OIDC_CLIENT_SECRET and OIDC_CLIENT_SECRET_FILE are both set', 'two sources for one secret', 'keep OIDC_CLIENT_SECRET_FILE and remove OIDC_CLIENT_SECRET');
  }
  try {
    // The secret file is the next step's business: validate everything else first.
    const config = loadProviderConfig({ ...env, OIDC_CLIENT_SECRET_FILE: undefined, OIDC_CLIENT_SECRET: env.OIDC_CLIENT_SECRET || 'checked-in-the-next-step' });
    return config.idpType === 'auth0'
      ? config.exchange === 'sts'
        ? `auth0: client ${config.clientId}, audience ${config.audience}, role ${config.roleArn}, region ${config.region}`
        : `auth0 (vending exchange): client ${config.clientId}, audience ${config.audience}, vending API ${config.vendingUrl}`
      : `cognito: client ${config.clientId}, vending API ${config.vendingUrl}${config.scopes.length ? `, scopes ${config.scopes.join(' ')}` : ''}`;
  } catch (error) {
    return fail(
      error instanceof Error ? error.message : String(error),
      'a client variable is missing or malformed',
      `set it in the env file (${CONFIG_DOC}); npm run host-config renders a complete one from the servers stack's outputs`,
    );
  }
}

function secretStep(env: Environment): string {
  const file = env.OIDC_CLIENT_SECRET_FILE?.trim();
  if (!file) return 'OIDC_CLIENT_SECRET is set inline (a file only the service user can read is safer: OIDC_CLIENT_SECRET_FILE)';
  const me = process.geteuid?.() ?? 0;
  let stat;
  try {
    stat = lstatSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(`${file}: ${code === 'ENOENT' ? 'does not exist' : `cannot be inspected (${code})`}`, 'the secret was not installed where OIDC_CLIENT_SECRET_FILE points', `install it: install -m 0600 -o ${userName(me)} <server>.secret ${file} (npm run host-config writes <server>.secret)`);
  }
  if (!stat.isFile()) fail(`${file}: not a regular file`, 'OIDC_CLIENT_SECRET_FILE names a directory, a link or a device', 'point it at the secret file itself');
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  if ((stat.mode & 0o077) !== 0) {
    fail(`${file}: mode ${mode}, readable by others than its owner`, 'the client secret is exposed to other users of this host', `chmod 600 ${file}`);
  }
  if (stat.uid !== me) {
    fail(`${file}: owned by ${userName(stat.uid)}, but this runs as ${userName(me)}`, 'the service user cannot read a 0600 file it does not own', `chown ${userName(me)} ${file} (the user the client runs as)`);
  }
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    return fail(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, 'no read permission for this user', `chmod 600 ${file} and chown ${userName(me)} ${file}`);
  }
  if (!secret) fail(`${file}: empty`, 'the secret was not written into the file', 'write the client secret into it (npm run host-config renders it)');
  return `${file}: mode ${mode}, owner ${userName(stat.uid)}`;
}

async function tokenEndpointStep(config: ProviderConfig): Promise<string> {
  const url = new URL(config.tokenUrl);
  if (url.protocol === 'http:') return `${config.tokenUrl}: plain HTTP to this machine (allowed for loopback only; no TLS to check)`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // The route get-credentials takes: through the proxy of HTTPS_PROXY (CONNECT) unless NO_PROXY says otherwise.
  const route = proxyFor(config.tokenUrl);
  const via = route ? ` via proxy ${route.shown}` : '';
  const socket = await tlsSession(url, route, config.httpTimeoutSeconds).catch((error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'error';
    const where = `${url.host}${via}`;
    if (code === 'PROXY_REFUSED') {
      return fail(`${config.tokenUrl}: the proxy ${route?.shown} refused to connect to ${url.host} (${error.message})`, 'the proxy does not let this host reach the token endpoint, or wants credentials (HTTP 407)', 'put user and password in the proxy URL, have the proxy allow the host, or name the host in NO_PROXY if it is reachable directly');
    }
    if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(code)) {
      return fail(
        `${config.tokenUrl}: cannot connect to ${where} (${code})`,
        'the token endpoint is unreachable from this host: a wrong OIDC_TOKEN_URL, DNS, a firewall or a proxy',
        'check OIDC_TOKEN_URL (Auth0: https://<auth0_domain>/oauth/token; Cognito: the cognito_token_endpoint output) and that this host may reach it on port 443',
      );
    }
    if (code === 'CERT_HAS_EXPIRED') {
      return fail(`${config.tokenUrl}: the certificate has expired (${code})`, "the endpoint's certificate is out of date, or this host's clock is wrong", 'check the clock (timedatectl; enable NTP); otherwise the endpoint must renew its certificate');
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return fail(`${config.tokenUrl}: the certificate is not valid for ${host} (${code})`, 'OIDC_TOKEN_URL names the endpoint by another name than its certificate does', 'use the host name of the certificate in OIDC_TOKEN_URL');
    }
    return fail(
      `${config.tokenUrl}: TLS failed (${code}: ${firstLine(error.message)})`,
      'this host does not trust the certificate chain: a private CA or a TLS-inspecting proxy',
      "add the CA's PEM file to the env file as NODE_EXTRA_CA_CERTS=/path/to/ca.pem",
    );
  });
  const certificate = socket.getPeerCertificate();
  const protocol = socket.getProtocol();
  socket.destroy();
  const daysLeft = Math.floor((new Date(certificate.valid_to).getTime() - Date.now()) / 86_400_000);
  return `${url.host}${via}: ${protocol}, certificate for ${certificate.subject?.CN ?? host} issued by ${certificate.issuer?.CN ?? certificate.issuer?.O ?? 'unknown'}, ${daysLeft} days left`;
}

/**
 * A TLS session with the token endpoint's host, direct or through the proxy's CONNECT tunnel:
 * a HEAD request whose answer (any status) proves the handshake, and whose socket holds the
 * certificate. Rejects with the socket's error code (ECONNREFUSED, CERT_HAS_EXPIRED…), ETIMEDOUT,
 * or PROXY_REFUSED when the proxy answered CONNECT with other than 200.
 */
function tlsSession(url: URL, route: ProxyRoute | undefined, timeoutSeconds: number): Promise<TLSSocket> {
  return new Promise<TLSSocket>((resolve, reject) => {
    const req = httpsRequest(url, { method: 'HEAD', agent: route?.agent ?? new HttpsAgent({ keepAlive: false }) }, (res) => {
      const socket = res.socket as TLSSocket;
      if (typeof socket.getPeerCertificate !== 'function') {
        // https-proxy-agent replays a refused CONNECT's answer as the response, on a plain socket.
        res.resume();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { code: 'PROXY_REFUSED' }));
        return;
      }
      res.resume();
      resolve(socket);
    });
    req.setTimeout(timeoutSeconds * 1000, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutSeconds} s`), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end();
  });
}

async function clientAuthenticationStep(config: ProviderConfig): Promise<{ detail: string; accessToken: string }> {
  try {
    const token = await requestToken(config);
    const seconds = Math.round((token.expiresAt.getTime() - Date.now()) / 1000);
    return { detail: `${config.tokenUrl} issued an access token for client ${config.clientId}, valid ${seconds} s`, accessToken: token.accessToken };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = Number(/HTTP (\d{3})/.exec(message)?.[1] ?? 0);
    if (error instanceof ClientError && error.code === 'IDP_UNAVAILABLE') {
      return fail(message, 'the identity provider is down or throttling (5xx/429)', 'retry later; the daemons keep serving still-valid credentials meanwhile');
    }
    if (status === 401 || /invalid_client/.test(message)) {
      return fail(message, 'the identity provider refused the client id and secret', 'OIDC_CLIENT_ID and the secret must be this server\'s (npm run host-config renders both); after a secret rotation, install the new secret');
    }
    if (config.idpType === 'auth0' && status === 403) {
      return fail(
        message,
        'Auth0 refused the audience: OIDC_AUDIENCE is not an API of this tenant, or this client has no grant to it (a disabled server has none)',
        'OIDC_AUDIENCE must equal the foundation\'s `audience` output; a server disabled in servers.json gets its grant back with "enabled": true and a deploy of servers',
      );
    }
    if (/invalid_scope/.test(message)) {
      return fail(message, 'OIDC_SCOPES asks for scopes this app client may not have', "remove OIDC_SCOPES (the client's own scopes are used) or ask only for the tier's scopes");
    }
    return fail(message, 'the identity provider refused the request', `check OIDC_TOKEN_URL, OIDC_CLIENT_ID and the secret (${CONFIG_DOC})`);
  }
}

export interface TokenClaims {
  readonly iss?: string;
  readonly aud?: string | string[];
  readonly azp?: string;
  readonly sub?: string;
  readonly client_id?: string;
  readonly token_use?: string;
  readonly scope?: string;
  readonly exp?: number;
  readonly iat?: number;
}

/** The payload of a JWT, decoded and not verified (STS or the vending API verifies it). */
export function decodeClaims(token: string): TokenClaims | undefined {
  const part = token.split('.')[1];
  if (!part || token.split('.').length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}


function claimsStep(config: ProviderConfig, token: string): { detail: string; claims: TokenClaims } {
  const claims = decodeClaims(token);
  if (!claims) return fail('the access token is not a JWT', 'the identity provider issues opaque tokens for this client', 'Auth0: the API (audience) must use RS256 JWTs; Cognito: use the user pool\'s token endpoint');
  const hostNow = Math.floor(Date.now() / 1000);
  // The token was just issued: its iat is the identity provider's now. Lifetimes are judged by
  // that clock, as the client judges sessions by their issuer's (see credentials/issuer-clock).
  const skew = typeof claims.iat === 'number' ? claims.iat - hostNow : 0;
  const now = hostNow + skew;
  const aud = claims.aud === undefined ? [] : typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  const shown = [
    `iss ${claims.iss ?? '(none)'}`,
    config.idpType === 'auth0' ? `aud ${aud.join(', ') || '(none)'}` : `client_id ${claims.client_id ?? '(none)'}`,
    claims.azp !== undefined ? `azp ${claims.azp}` : undefined,
    `sub ${claims.sub ?? '(none)'}`,
    `scopes ${claims.scope || '(none)'}`,
    claims.exp !== undefined ? `expires in ${claims.exp - now} s` : 'no exp',
  ]
    .filter(Boolean)
    .join('; ');
  const issued = `issued ${Math.abs(skew)} s ${skew > 0 ? 'in the future' : 'in the past'} by this host's clock`;
  const clockOff = `this host's clock is ${Math.abs(skew)} s ${skew > 0 ? 'behind' : 'ahead of'} the identity provider's`;
  if (Math.abs(skew) > S3_SIGNATURE_SKEW_LIMIT_SECONDS) {
    fail(
      `${shown}; ${issued}`,
      `${clockOff}: S3 refuses requests signed more than ${S3_SIGNATURE_SKEW_LIMIT_SECONDS} s off its clock (RequestTimeTooSkewed), whatever the credentials`,
      'synchronise the clock: timedatectl set-ntp true (or chrony/ntpd)',
    );
  }
  if (typeof claims.exp !== 'number' || claims.exp <= now) fail(`${shown}`, 'the token is already expired when it arrives', 'check the identity provider\'s token lifetime');
  if (config.idpType === 'auth0') {
    const expectedIssuer = `${new URL(config.tokenUrl).origin}/`;
    if (claims.iss !== expectedIssuer) {
      fail(
        `${shown}; the token URL's issuer would be ${expectedIssuer}`,
        "the token's issuer differs from the token URL's host (e.g. an Auth0 custom domain); the IAM OIDC provider trusts one issuer URL and STS refuses tokens of another",
        'use the token URL on the domain the foundation\'s auth0_domain names (its oidc_provider_url output)',
      );
    }
    if (!aud.includes(config.audience)) fail(shown, 'the token is not for the API OIDC_AUDIENCE names', "OIDC_AUDIENCE must equal the foundation's `audience` output");
    if (claims.sub !== `${config.clientId}@clients`) {
      fail(shown, `the token's sub is not ${config.clientId}@clients, which the role's trust pins`, 'OIDC_CLIENT_ID must be the client the secret belongs to');
    }
  } else {
    if (claims.token_use !== 'access') fail(shown, 'the token is not a Cognito access token', 'OIDC_TOKEN_URL must be the user pool domain\'s /oauth2/token');
    if (claims.client_id !== config.clientId) fail(shown, `the token's client_id is not ${config.clientId}`, 'OIDC_CLIENT_ID must be the app client the secret belongs to');
    if (!claims.scope?.split(' ').some((s) => s.includes('/'))) {
      fail(shown, 'the token carries no scope of the resource server, which the vending API requires', "grant the app client its tier's scopes (deploy servers) and drop OIDC_SCOPES");
    }
  }
  const lifetime = (claims.exp as number) - now;
  if (lifetime <= config.refreshMarginSeconds) {
    fail(
      `${shown}; OIDC_REFRESH_MARGIN_SECONDS is ${config.refreshMarginSeconds}`,
      'tokens live no longer than the refresh margin, so every call fetches a new token',
      `lower OIDC_REFRESH_MARGIN_SECONDS below ${lifetime}, or raise the token lifetime at the identity provider`,
    );
  }
  // Off by more than a minute works (sessions are timed by their issuer's clock), but is worth
  // fixing before it reaches S3's 15 minutes.
  if (Math.abs(skew) > CLOCK_SKEW_WARNING_SECONDS) {
    return { detail: `${shown}; ${issued}: ${clockOff}, which the client allows for; synchronise it (timedatectl set-ntp true) before it reaches ${S3_SIGNATURE_SKEW_LIMIT_SECONDS} s, where S3 refuses requests`, claims };
  }
  return { detail: shown, claims };
}

interface ExchangeOutcome {
  readonly detail: string;
  readonly credentials: AwsCredentials;
  readonly reading?: AudienceReading;
}

async function exchangeStep(config: ProviderConfig, token: string, claims: TokenClaims): Promise<ExchangeOutcome> {
  // Cognito, and Auth0 with auth0_exchange "vending": the vending API does the exchange.
  if (config.exchange === 'vending') {
    try {
      const credentials = await exchangeToken(config, token);
      return { detail: `the vending API returned credentials valid until ${credentials.expiration.toISOString()}`, credentials };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = /HTTP \d{3} (\w+)/.exec(message)?.[1];
      const causes: Record<string, [string, string]> = {
        unknown_client: ['the mapping table has no entry for this client: not onboarded, or removed', 'onboard the server in servers.json and deploy servers'],
        client_disabled: ['the server is disabled ("enabled": false, the kill switch)', 'set "enabled": true in servers.json and deploy servers, if it should work again'],
        insufficient_scope: ["the token lacks the resource server's scopes", "drop OIDC_SCOPES, or ask for the tier's scopes"],
        invalid_token: ['the vending API does not accept tokens of this issuer or shape', 'OIDC_TOKEN_URL must be the user pool of this environment (cognito_token_endpoint output)'],
        token_expired: ["the token expired on the way: this host's clock is behind", 'synchronise the clock (timedatectl set-ntp true)'],
        token_not_yet_valid: ["this host's clock is behind the identity provider's", 'synchronise the clock (timedatectl set-ntp true)'],
      };
      const [cause, fix] = (code && causes[code]) ?? [
        'the vending API is unreachable or failing',
        'check CREDENTIAL_VENDING_URL (the credential_vending_api_url output) and the API\'s logs (OPERATIONS.md, troubleshooting)',
      ];
      return fail(message, cause, fix);
    }
  }
  try {
    const answer = await webIdentityExchange(config, token);
    const finding = readingFromSuccess(claims, answer.audience);
    return {
      detail: `STS returned credentials for ${config.roleArn} valid until ${answer.credentials.expiration.toISOString()}; ${finding.finding}`,
      credentials: answer.credentials,
      reading: finding.reading,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/Incorrect token audience/.test(message)) {
      const finding = readingFromAudienceError(claims, config.audience);
      return fail(`${message}; ${finding.finding}`, 'STS matched a token claim the OIDC provider\'s client ID list lacks', finding.fix, finding.reading);
    }
    if (/No OpenIDConnect provider found/.test(message)) {
      return fail(message, `the account has no IAM OIDC provider for the token's issuer ${claims.iss}`, 'deploy foundation for this tenant, and use the token URL of the auth0_domain it names');
    }
    if (/AccessDenied/.test(message)) {
      return fail(
        message,
        `the role's trust refused this token: OIDC_ROLE_ARN is not this server's role, or its :sub (${claims.sub}) / :aud do not match`,
        "OIDC_ROLE_ARN must be this server's role_arn from server_configurations; a disabled server's role refuses everything",
      );
    }
    if (/ExpiredToken/.test(message)) return fail(message, "the token was expired when STS saw it: this host's clock is behind", 'synchronise the clock (timedatectl set-ntp true)');
    if (/IDPCommunicationError/.test(message)) return fail(message, "STS could not fetch the tenant's JWKS", 'retry later; check the tenant is reachable from the internet');
    if (/DurationSeconds|durationSeconds/.test(message)) {
      return fail(message, "OIDC_SESSION_DURATION_SECONDS exceeds the role's max_session_duration", 'lower OIDC_SESSION_DURATION_SECONDS or raise max_session_duration in servers.json');
    }
    if (error instanceof ClientError && error.code === 'CREDENTIALS_UNAVAILABLE') {
      return fail(message, 'STS is unreachable from this host', 'check AWS_REGION, AWS_ENDPOINT_URL_STS if set, and that this host may reach sts.<region>.amazonaws.com on port 443');
    }
    return fail(message, 'STS refused the exchange', 'see docs/OPERATIONS.md, troubleshooting');
  }
}

const PERMISSION_TIERS = ['write', 'read-write', 'full'] as const;

async function s3ProbeStep(env: Environment, config: ProviderConfig, credentials: AwsCredentials): Promise<string> {
  const bucket = env.S3_BUCKET?.trim();
  const prefix = (env.S3_PREFIX?.trim() ?? '').replace(/^(.+?)\/?$/, '$1/');
  const tier = env.S3_PERMISSIONS?.trim() as (typeof PERMISSION_TIERS)[number] | undefined;
  const { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const proxyAgent = environmentProxyAgent();
  const client = new S3Client({
    region: config.region ?? env.AWS_REGION,
    credentials,
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    maxAttempts: 2,
    // Through the proxy the environment names, as the exchange's STS client (NO_PROXY for a VPC endpoint).
    requestHandler: { connectionTimeout: config.httpTimeoutSeconds * 1000, requestTimeout: config.httpTimeoutSeconds * 1000, httpAgent: proxyAgent, httpsAgent: proxyAgent },
  });
  // One fixed key per host: repeated runs overwrite it instead of leaving a trail.
  const key = `${prefix}.oidc-s3-doctor/${hostname().replace(/[^\w.-]/g, '_')}`;
  const where = `s3://${bucket}/${key}`;
  const explain = (action: string, error: unknown): never => {
    const e = error as { name?: string; message?: string };
    const seen = `${action} ${where}: ${e.name ?? 'Error'}: ${firstLine(e.message ?? '')}`;
    if (e.name === 'AccessDenied') {
      return fail(seen, `the role does not allow ${action} there: S3_PREFIX or S3_BUCKET is not this server's, or S3_PERMISSIONS claims more than its tier`, "S3_PREFIX must equal the server's s3_path_prefix and S3_BUCKET the bucket_name output; S3_PERMISSIONS its s3_permissions");
    }
    if (e.name === 'NoSuchBucket') return fail(seen, `there is no bucket ${bucket}`, "S3_BUCKET must equal the foundation's bucket_name output");
    return fail(seen, 'S3 is unreachable or failing', 'check AWS_REGION (and AWS_ENDPOINT_URL_S3 if set) and that this host may reach S3');
  };
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `oidc-s3 doctor probe from ${hostname()}\n` })).catch((error: unknown) => explain('write', error));
    if (tier === 'read-write' || tier === 'full') await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).then((r) => r.Body?.transformToString()).catch((error: unknown) => explain('read', error));
    if (tier === 'full') {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch((error: unknown) => explain('delete', error));
      return `wrote, read and deleted ${where}`;
    }
    return `wrote${tier === 'read-write' ? ' and read' : ''} ${where} (the ${tier ?? 'unknown'} tier cannot delete: the probe stays, overwritten by the next run)`;
  } finally {
    client.destroy();
  }
}

/**
 * Checks a host's configuration in order, each step only when the ones before it passed:
 * settings → secret file → token endpoint (TLS) → client authentication → token claims →
 * exchange (STS or the vending API) → a probe object under the prefix (when S3_BUCKET is set).
 */
export async function runDoctor(env: Environment): Promise<DoctorReport> {
  const steps: StepResult[] = [];
  let config: ProviderConfig | undefined;
  let accessToken = '';
  let claims: TokenClaims = {};
  let credentials: AwsCredentials | undefined;
  const plan: [StepId, () => Promise<string | { detail: string; reading?: AudienceReading } | undefined>][] = [
    ['settings', async () => settingsStep(env)],
    [
      'secret-file',
      async () => {
        const detail = secretStep(env);
        config = loadProviderConfig(env);
        return detail;
      },
    ],
    ['token-endpoint', () => tokenEndpointStep(config!)],
    [
      'client-authentication',
      async () => {
        const result = await clientAuthenticationStep(config!);
        accessToken = result.accessToken;
        return result.detail;
      },
    ],
    [
      'token-claims',
      async () => {
        const result = claimsStep(config!, accessToken);
        claims = result.claims;
        return result.detail;
      },
    ],
    [
      'exchange',
      async () => {
        const result = await exchangeStep(config!, accessToken, claims);
        credentials = result.credentials;
        return { detail: result.detail, reading: result.reading };
      },
    ],
    ['s3-probe', async () => (env.S3_BUCKET?.trim() ? s3ProbeStep(env, config!, credentials!) : undefined)],
  ];
  let failed: StepId | undefined;
  for (const [step, check] of plan) {
    if (failed) {
      steps.push({ step, status: 'skip', detail: 'not run: an earlier step failed' });
      continue;
    }
    try {
      const outcome = await check();
      if (outcome === undefined) steps.push({ step, status: 'skip', detail: 'S3_BUCKET is not set: nothing to probe' });
      else if (typeof outcome === 'string') steps.push({ step, status: 'pass', detail: outcome });
      else steps.push({ step, status: 'pass', detail: outcome.detail, ...(outcome.reading ? { audienceReading: outcome.reading } : {}) });
    } catch (error) {
      failed = step;
      if (error instanceof StepFailure) {
        steps.push({ step, status: 'fail', detail: error.detail, cause: error.cause, fix: error.fix, ...(error.audienceReading ? { audienceReading: error.audienceReading } : {}) });
      } else {
        steps.push({ step, status: 'fail', detail: `unexpected error: ${firstLine(error instanceof Error ? error.message : String(error))}`, cause: 'a failure doctor does not know', fix: 'see docs/OPERATIONS.md, troubleshooting' });
      }
    }
  }
  return { ok: failed === undefined, ...(failed ? { failedStep: failed } : {}), steps };
}
