// One Auth0 host on short-lived sessions against the local stand-ins, for the suites that watch
// long-running consumers across renewals (serve, rclone, restic, the clock-skew suite): the IdP,
// STS honouring the web-identity trust, S3, and the host's env file with a wide refresh margin.
// With `gateway`, every session has keys of its own and S3 is the sandbox's S3 endpoint in front
// of s3rver, which checks each request's SigV4 signature with its session's secret and refuses
// a session that has ended by the real clock (ExpiredToken), as S3 does.
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { localTls } from '../../sandbox/local-tls';
import { startS3Gateway, type S3Gateway } from '../../sandbox/s3-gateway';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { auth0HostSettings, TestHost } from './harness';

export interface ShortLivedHostOptions {
  readonly name: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly roleArn: string;
  readonly region: string;
  /** Session and token lifetime, seconds. */
  readonly lifetimeSeconds: number;
  /** OIDC_REFRESH_MARGIN_SECONDS of the host. */
  readonly marginSeconds: number;
  /** Serve S3 over HTTPS (minio-go's aws-chunked uploads need it). @default false */
  readonly s3Tls?: boolean;
  /** Per-session keys and the sandbox's S3 endpoint (HTTPS) checking signatures and session ends. @default false */
  readonly gateway?: boolean;
}

/** A request S3 received: which session signed it and how long that session had left by the real clock. */
export interface SessionUse {
  readonly accessKeyId: string;
  readonly leftMs: number;
}

export interface ShortLivedHost {
  readonly host: TestHost;
  readonly s3: LocalS3;
  readonly idp: OAuthServer;
  readonly sts: StsStub;
  readonly envFile: string;
  /** The S3 endpoint consumers use: the gateway's URL with `gateway`, else s3rver's. */
  readonly s3Url: string;
  /** With `gateway`: every signed request, in order. */
  readonly uses: SessionUse[];
  close(): Promise<void>;
}

export async function startShortLivedHost(options: ShortLivedHostOptions): Promise<ShortLivedHost> {
  const host = new TestHost(options.name);
  const [s3, idp] = await Promise.all([
    startS3(options.s3Tls ? { tls: true } : {}),
    startOAuthServer({ style: 'auth0', audience: options.audience, tokenLifetimeSeconds: options.lifetimeSeconds, clients: [{ clientId: options.clientId, clientSecret: options.clientSecret }] }),
  ]);
  const sts = await startStsStub({
    ...(options.gateway ? {} : { credentials: s3.accessKeys }),
    sessionLifetimeSeconds: options.lifetimeSeconds,
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: options.audience, roles: { [options.roleArn]: `${options.clientId}@clients` } },
  });
  const uses: SessionUse[] = [];
  let gateway: S3Gateway | undefined;
  if (options.gateway) {
    const bucketArn = `arn:aws:s3:::${s3.bucket}`;
    const policy = { Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: 's3:*', Resource: [bucketArn, `${bucketArn}/*`] }] };
    gateway = await startS3Gateway({
      tls: localTls(),
      upstream: s3.url,
      region: options.region,
      session: (id) => {
        const session = sts.sessions.get(id);
        if (session) uses.push({ accessKeyId: id, leftMs: session.expiration.getTime() - Date.now() });
        return session;
      },
      role: () => ({ identityPolicies: [policy] }),
      bucketPolicy: () => undefined,
      admit: (session) => s3.admit(session.accessKeyId, session.secretAccessKey),
    });
  }
  host.settings = {
    ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: options.clientId, clientSecret: options.clientSecret, audience: options.audience, roleArn: options.roleArn, region: options.region }),
    OIDC_REFRESH_MARGIN_SECONDS: String(options.marginSeconds),
  };
  const envFile = host.envFile();
  return {
    host, s3, idp, sts, envFile, uses,
    s3Url: gateway?.url ?? s3.url,
    async close() {
      await Promise.all([s3.close(), idp.close(), sts.close(), gateway?.close()]);
      host.close();
    },
  };
}
