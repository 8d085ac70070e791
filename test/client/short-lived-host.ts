// One Auth0 host on short-lived sessions against the local stand-ins, for the suites that watch
// long-running consumers across renewals (serve, rclone, restic): the IdP, STS honouring the
// web-identity trust, S3, and the host's env file with a wide refresh margin.
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
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
}

export interface ShortLivedHost {
  readonly host: TestHost;
  readonly s3: LocalS3;
  readonly idp: OAuthServer;
  readonly sts: StsStub;
  readonly envFile: string;
  close(): Promise<void>;
}

export async function startShortLivedHost(options: ShortLivedHostOptions): Promise<ShortLivedHost> {
  const host = new TestHost(options.name);
  const [s3, idp] = await Promise.all([
    startS3(options.s3Tls ? { tls: true } : {}),
    startOAuthServer({ style: 'auth0', audience: options.audience, tokenLifetimeSeconds: options.lifetimeSeconds, clients: [{ clientId: options.clientId, clientSecret: options.clientSecret }] }),
  ]);
  const sts = await startStsStub({
    credentials: s3.accessKeys,
    sessionLifetimeSeconds: options.lifetimeSeconds,
    webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: options.audience, roles: { [options.roleArn]: `${options.clientId}@clients` } },
  });
  host.settings = {
    ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: options.clientId, clientSecret: options.clientSecret, audience: options.audience, roleArn: options.roleArn, region: options.region }),
    OIDC_REFRESH_MARGIN_SECONDS: String(options.marginSeconds),
  };
  const envFile = host.envFile();
  return {
    host, s3, idp, sts, envFile,
    async close() {
      await Promise.all([s3.close(), idp.close(), sts.close()]);
      host.close();
    },
  };
}
