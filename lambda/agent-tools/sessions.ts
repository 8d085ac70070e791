// Credentials of the calling server's own role, and S3 clients made with them. The tools
// Lambda's own role can touch no S3 object: every S3 request is signed with a session of the
// caller's role, so IAM, not this code, keeps an agent inside its server's prefix and tier.
//
// - Cognito: sts:AssumeRole with SourceIdentity = the server name; the server role trusts this
//   Lambda's role only under that condition (modules/policies/server-trust.ts).
// - Auth0: sts:AssumeRoleWithWebIdentity with the caller's own token; the server role's trust
//   pins the token's aud and sub (<client_id>@clients), so STS itself refuses another server's
//   token, and this Lambda's role needs no STS permission at all.
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { S3Client } from '@aws-sdk/client-s3';
import { ToolError } from './errors';
import type { AgentToolsMapping, VerifiedCaller } from './caller';

/** STS's minimum; each tool call is short, and a cached session is reused until near its end. */
export const SESSION_SECONDS = 900;
/** A cached session is not used with less than this left. */
const MARGIN_MS = 120_000;

interface Session {
  readonly client: S3Client;
  readonly expiresAt: number;
  readonly roleArn: string;
}

export interface SessionOptions {
  readonly identityProvider: 'auth0' | 'cognito';
  readonly sts: STSClient;
  readonly region: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export function agentSessionName(serverName: string): string {
  return `oidc-s3-agent-${serverName}`.slice(0, 64);
}

export class ServerSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly options: SessionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** An S3 client signing as the server's own role (cached per server and role). */
  async s3For(mapping: AgentToolsMapping, caller: VerifiedCaller): Promise<S3Client> {
    const cached = this.sessions.get(mapping.serverName);
    if (cached && cached.roleArn === mapping.roleArn && cached.expiresAt - this.now() > MARGIN_MS) return cached.client;
    cached?.client.destroy();
    const credentials = await this.assume(mapping, caller);
    const client = new S3Client({
      region: this.options.region,
      credentials,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 10_000 },
    });
    this.sessions.set(mapping.serverName, { client, roleArn: mapping.roleArn, expiresAt: credentials.expiration.getTime() });
    return client;
  }

  private async assume(mapping: AgentToolsMapping, caller: VerifiedCaller) {
    const common = { RoleArn: mapping.roleArn, RoleSessionName: agentSessionName(mapping.serverName), DurationSeconds: SESSION_SECONDS };
    let answer;
    try {
      if (this.options.identityProvider === 'cognito') {
        answer = await this.options.sts.send(new AssumeRoleCommand({ ...common, SourceIdentity: mapping.serverName }));
      } else {
        if (!caller.token) throw new ToolError('unauthenticated', 'the gateway passed no token for this caller');
        answer = await this.options.sts.send(new AssumeRoleWithWebIdentityCommand({ ...common, WebIdentityToken: caller.token }));
      }
    } catch (error) {
      if (error instanceof ToolError) throw error;
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      const detail = `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}`;
      if (status !== undefined && status < 500 && status !== 429 && e.name !== 'Throttling') {
        throw new ToolError('access_denied', `STS refused credentials of server ${mapping.serverName}'s role`, detail);
      }
      throw new ToolError('unavailable', 'STS cannot be reached right now; retry later', detail);
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
      throw new ToolError('unavailable', 'STS answered without complete credentials', 'incomplete credentials');
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
}
