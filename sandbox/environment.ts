/**
 * One environment running on this machine (`npm start`): the stacks synthesized as `npm run synth`
 * does, "applied" in memory (./deployment, ./cloud), and the local stand-ins configured from what
 * they contain, never from a second copy of the rules:
 * - the identity provider (./oauth-server) with one client per server of the synthesized stack;
 * - STS (./sts) deciding with the synthesized trust policies (and OIDC provider, direct Auth0);
 * - the vending Lambda's real handler behind its route (./lambda-runtime), its mapping table in
 *   dynalite filled with the synthesized items (Cognito, and Auth0 with auth0_exchange "vending");
 * - S3 (./s3-gateway in front of s3rver) deciding with the roles' synthesized policies and the
 *   bucket policy.
 * Everything listens on 127.0.0.1 only. `reload()` re-synthesizes and applies the difference.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { renderEnvFile, type ServerConfiguration } from '../client/host-config/server-outputs';
import { formatEnvValue } from '../client/config/env-file';
import { writeFileAtomic, ensurePrivateDir } from '../client/storage/atomic-file';
import { bundleClient } from '../modules/bundle';
import type { PolicyDocument } from '../modules/policies/document';
import { LocalCloud, SANDBOX_ACCOUNT } from './cloud';
import { Deployment, type Instance, type TerraformJson } from './deployment';
import { createClientRolesTable, startDynalite, type LocalDynamo } from './dynalite';
import { localTls, type LocalTls } from './local-tls';
import { startOAuthServer, type OAuthClient, type OAuthServer } from './oauth-server';
import { startS3Gateway, type S3Gateway } from './s3-gateway';
import { startS3, type LocalS3 } from './s3rver';
import { startStsStub, type AzpReading, type IamModel, type OidcProviderModel, type RoleModel, type StsStub } from './sts';

export interface SandboxOptions {
  /** The repository (where environments/ and main.ts are). */
  readonly rootDir: string;
  readonly environment: string;
  /** How the STS stand-in reads `azp` (see sandbox/sts.ts). */
  readonly azpReading: AzpReading;
  /** Progress lines (not the ready line). */
  readonly log: (line: string) => void;
}

/** One server as the sandbox serves it. */
export interface SandboxServer {
  readonly name: string;
  readonly enabled: boolean;
  readonly tier: string;
  readonly prefix: string;
  /** `.sandbox/<env>/hosts/<server>.env` (enabled servers only). */
  readonly envFile?: string;
}

interface Synthesized {
  readonly foundation: Deployment;
  readonly servers: Deployment;
  readonly identityProvider: 'auth0' | 'cognito';
  /** Whether hosts go through the vending API (Cognito, or Auth0 with auth0_exchange "vending"). */
  readonly vending: boolean;
}

const str = (value: unknown): string => String(value ?? '');

export class Sandbox {
  readonly dir: string;
  readonly hostsDir: string;
  readonly awsConfigFile: string;
  private current?: Synthesized;
  private servers: SandboxServer[] = [];
  private providerBundle?: string;
  private lambdaKeys = { accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
  private lambdaPrincipal?: string;
  private mappingKeys = new Map<string, string>();
  private lambdaConfigured = false;

  private constructor(
    private readonly options: SandboxOptions,
    readonly tls: LocalTls,
    readonly idp: OAuthServer,
    readonly sts: StsStub,
    readonly s3: LocalS3,
    readonly gateway: S3Gateway,
    readonly dynamo: LocalDynamo,
    private readonly lambda: { child: ChildProcess; url: string },
    private readonly cloud: LocalCloud,
    identityProvider: 'auth0' | 'cognito',
    bucket: string,
  ) {
    this.dir = join(options.rootDir, '.sandbox', options.environment);
    this.hostsDir = join(this.dir, 'hosts');
    this.awsConfigFile = join(this.dir, 'aws-config');
    this.identityProvider = identityProvider;
    this.bucket = bucket;
  }

  readonly identityProvider: 'auth0' | 'cognito';
  readonly bucket: string;

  get serverList(): readonly SandboxServer[] {
    return this.servers;
  }

  get stsReading(): AzpReading {
    return this.sts.azpReading;
  }

  get vending(): boolean {
    return this.current?.vending ?? false;
  }

  /** Starts every stand-in, synthesizes and applies the environment, writes the host files. */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    const dir = join(options.rootDir, '.sandbox', options.environment);
    rmSync(dir, { recursive: true, force: true });
    ensurePrivateDir(dir);
    const outdir = join(dir, 'cdktf.out');
    options.log(`synthesizing environments/${options.environment} (npm run synth, into .sandbox/${options.environment}/cdktf.out)`);
    const [stacks] = await Promise.all([synthesize(options.rootDir, options.environment, outdir)]);
    const identityProvider = str(findOutput(stacks.foundation, 'identity_provider')) === 'cognito' ? 'cognito' : 'auth0';
    const bucket = str((Object.values(stacks.foundation.resource?.aws_s3_bucket ?? {})[0] as { bucket?: string } | undefined)?.bucket);
    const tls = localTls();
    const region = str(findOutput(stacks.foundation, 'aws_region')) || 'eu-west-1';
    const cloud = new LocalCloud({ region });
    // The user pool's id is the issuer's path: known before the IdP starts (the cloud remembers it).
    const [pool] = new Deployment(stacks.foundation, { computed: cloud.computed }).resources('aws_cognito_user_pool');
    const iamRef: { model?: IamModel } = {};
    const iam: IamModel = {
      oidcProviders: () => iamRef.model?.oidcProviders() ?? [],
      role: (arn) => iamRef.model?.role(arn),
      principalOfAccessKey: (id) => iamRef.model?.principalOfAccessKey?.(id),
    };
    const [idp, sts, s3, dynamo, lambda] = await Promise.all([
      startOAuthServer({ style: identityProvider, clients: [], audience: auth0Audience(stacks.foundation), resourceServer: cognitoResourceServer(stacks.foundation), userPoolId: pool ? str(pool.attributes.id) : undefined }),
      startStsStub({ iam, azpReading: options.azpReading }),
      startS3({ bucket }),
      startDynalite(),
      startLambdaRuntime(options.rootDir),
    ]);
    const refs: { sandbox?: Sandbox } = {};
    const gateway = await startS3Gateway({
      tls,
      upstream: s3.url,
      region: 'eu-west-1',
      session: (id) => sts.sessions.get(id),
      role: (arn) => refs.sandbox?.rolePolicies(arn),
      bucketPolicy: (name) => refs.sandbox?.bucketPolicy(name),
      admit: (session) => s3.admit(session.accessKeyId, session.secretAccessKey),
    });
    cloud.vendingBaseUrl = `${lambda.url}/`;
    const sandbox = new Sandbox(options, tls, idp, sts, s3, gateway, dynamo, lambda, cloud, identityProvider, bucket);
    refs.sandbox = sandbox;
    iamRef.model = {
      oidcProviders: () => sandbox.oidcProviders(),
      role: (arn) => sandbox.role(arn),
      principalOfAccessKey: (id) => (id === sandbox.lambdaKeys.accessKeyId ? sandbox.lambdaPrincipal : undefined),
    };
    sandbox.providerBundle = bundleClient(join(dir, 'bin')).find((file) => file.endsWith('oidc-credential-provider.js'));
    await sandbox.apply(stacks);
    return sandbox;
  }

  /** Re-synthesizes (servers.json or foundation.json changed) and applies the difference. */
  async reload(): Promise<void> {
    const stacks = await synthesize(this.options.rootDir, this.options.environment, join(this.dir, 'cdktf.out'));
    await this.apply(stacks);
  }

  private async apply(stacks: { foundation: TerraformJson; servers: TerraformJson }): Promise<void> {
    const stacksDir = join(this.dir, 'cdktf.out', 'stacks');
    const foundation = new Deployment(stacks.foundation, { computed: this.cloud.computed, stackDir: join(stacksDir, 'foundation') });
    const foundationOutputs = foundation.outputs();
    const servers = new Deployment(stacks.servers, { computed: this.cloud.computed, stackDir: join(stacksDir, 'servers'), remoteStates: { foundation: foundationOutputs } });
    const vending = foundation.resources('aws_lambda_function').length > 0;
    this.current = { foundation, servers, identityProvider: this.identityProvider, vending };

    // The identity provider's clients, exactly those of the servers stack.
    this.idp.setClients(this.clients(servers));
    if (vending) await this.applyVending(foundation, servers);

    // Host files: what host-config would write from the servers stack's outputs.
    const configurations = this.localize(servers.output('server_configurations')) as Record<string, ServerConfiguration & { enabled: boolean }>;
    const secrets = servers.output('server_secrets') as Record<string, string>;
    ensurePrivateDir(this.hostsDir);
    const next: SandboxServer[] = [];
    const keep = new Set<string>();
    for (const [name, configuration] of Object.entries(configurations).sort(([a], [b]) => a.localeCompare(b))) {
      const server = { name, enabled: configuration.enabled, tier: configuration.s3_permissions, prefix: configuration.s3_path_prefix };
      if (!configuration.enabled) {
        next.push(server);
        continue;
      }
      const envFile = join(this.hostsDir, `${name}.env`);
      const secretFile = join(this.hostsDir, `${name}.secret`);
      writeFileAtomic(secretFile, `${secrets[name]}\n`);
      writeFileAtomic(envFile, this.hostEnv(name, configuration, secretFile));
      keep.add(`${name}.env`).add(`${name}.secret`);
      next.push({ ...server, envFile });
    }
    for (const old of this.servers) {
      if (!keep.has(`${old.name}.env`)) {
        rmSync(join(this.hostsDir, `${old.name}.env`), { force: true });
        rmSync(join(this.hostsDir, `${old.name}.secret`), { force: true });
      }
    }
    this.servers = next;
    writeFileAtomic(this.awsConfigFile, this.awsConfig());
  }

  /** Mapping table and items as the stacks create them; the Lambda's environment from its synthesized settings. */
  private async applyVending(foundation: Deployment, servers: Deployment): Promise<void> {
    const [table] = foundation.resources('aws_dynamodb_table');
    const [fn] = foundation.resources('aws_lambda_function');
    const [vendingRole] = foundation.resources('aws_iam_role').filter((r) => str(r.attributes.name) === str(fn?.attributes.function_name));
    if (!table || !fn || !vendingRole) throw new Error('the foundation stack has a vending Lambda but no mapping table or role the sandbox recognises');
    const tableName = str(table.attributes.name);
    if (!this.lambdaConfigured) {
      await createClientRolesTable(this.dynamo.client, tableName);
      const roleName = str(vendingRole.attributes.name);
      this.lambdaPrincipal = `arn:aws:sts::${SANDBOX_ACCOUNT}:assumed-role/${roleName}/${str(fn.attributes.function_name)}`;
      const variables = ((fn.attributes.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<string, string>;
      const env: Record<string, string> = {
        ...(this.localize(variables) as Record<string, string>),
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_DYNAMODB: this.dynamo.url,
        AWS_ENDPOINT_URL_STS: this.sts.url,
        AWS_ACCESS_KEY_ID: this.lambdaKeys.accessKeyId,
        AWS_SECRET_ACCESS_KEY: this.lambdaKeys.secretAccessKey,
      };
      this.lambda.child.send({ env });
      this.lambdaConfigured = true;
    }
    const seen = new Set<string>();
    for (const item of servers.resources('aws_dynamodb_table_item')) {
      const parsed = JSON.parse(str(item.attributes.item)) as Record<string, AttributeValue>;
      const clientId = parsed.client_id?.S ?? '';
      seen.add(clientId);
      await this.dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: parsed }));
      this.mappingKeys.set(clientId, tableName);
    }
    for (const [clientId, name] of [...this.mappingKeys]) {
      if (seen.has(clientId)) continue;
      await this.dynamo.client.send(new DeleteItemCommand({ TableName: name, Key: { client_id: { S: clientId } } }));
      this.mappingKeys.delete(clientId);
    }
  }

  private clients(servers: Deployment): OAuthClient[] {
    if (this.identityProvider === 'auth0') {
      const secrets = new Map(servers.resources('auth0_client_credentials').map((c) => [c.key, str(c.attributes.client_secret)]));
      const granted = new Set(servers.resources('auth0_client_grant').map((g) => g.key));
      return servers.resources('auth0_client').map((c) => ({ clientId: str(c.attributes.client_id), clientSecret: secrets.get(c.key) ?? '', granted: granted.has(c.key) }));
    }
    return servers.resources('aws_cognito_user_pool_client').map((c) => ({
      clientId: str(c.attributes.id),
      clientSecret: str(c.attributes.client_secret),
      scopes: (c.attributes.allowed_oauth_scopes as string[] | undefined) ?? [],
    }));
  }

  /** The synthesized OIDC providers (Auth0 direct mode), pointed at the local IdP. */
  private oidcProviders(): OidcProviderModel[] {
    const servers = this.current?.servers;
    if (!servers) return [];
    return servers.resources('aws_iam_openid_connect_provider').map((p) => ({
      arn: str(p.attributes.arn),
      issuer: this.localize(str(p.attributes.url)) as string,
      conditionKeyPrefix: str(p.attributes.url).replace(/^https:\/\//, ''),
      clientIds: (p.attributes.client_id_list as string[] | undefined) ?? [],
      jwksUrl: this.idp.jwksUrl,
    }));
  }

  private roleInstances(): Instance[] {
    if (!this.current) return [];
    return [...this.current.foundation.resources('aws_iam_role'), ...this.current.servers.resources('aws_iam_role')];
  }

  /** A synthesized role, for STS: its trust policy and MaxSessionDuration. */
  private role(arn: string): RoleModel | undefined {
    const role = this.roleInstances().find((r) => r.attributes.arn === arn);
    if (!role) return undefined;
    return { arn, trustPolicy: JSON.parse(str(role.attributes.assume_role_policy)) as PolicyDocument, maxSessionDuration: Number(role.attributes.max_session_duration ?? 3600) };
  }

  /** A role's synthesized inline policies, for S3. */
  private rolePolicies(arn: string): { identityPolicies: PolicyDocument[] } | undefined {
    const role = this.roleInstances().find((r) => r.attributes.arn === arn);
    if (!role || !this.current) return undefined;
    const policies = [...this.current.foundation.resources('aws_iam_role_policy'), ...this.current.servers.resources('aws_iam_role_policy')]
      .filter((p) => p.attributes.role === role.attributes.id)
      .map((p) => JSON.parse(str(p.attributes.policy)) as PolicyDocument);
    return { identityPolicies: policies };
  }

  private bucketPolicy(bucket: string): PolicyDocument | undefined {
    const policy = this.current?.foundation.resources('aws_s3_bucket_policy').find((p) => p.attributes.bucket === bucket);
    return policy ? (JSON.parse(str(policy.attributes.policy)) as PolicyDocument) : undefined;
  }

  /** Cloud endpoints in synthesized values, rewritten to the local stand-ins (as an /etc/hosts entry would). */
  private localize(value: unknown): unknown {
    const idp = this.idp.url;
    const rewrite = (text: string): string =>
      text
        .replace(/^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com/, idp)
        .replace(/^https:\/\/[a-z0-9-]+\.auth\.[a-z0-9-]+\.amazoncognito\.com/, idp)
        .replace(this.auth0Origin() ?? /^$^/, idp);
    if (typeof value === 'string') return rewrite(value);
    if (Array.isArray(value)) return value.map((v) => this.localize(v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.localize(v)]));
    return value;
  }

  /** `https://<auth0_domain>`: the tenant's origin, from the OIDC provider (direct) or the Lambda's issuer (vending). */
  private auth0Origin(): RegExp | undefined {
    if (this.identityProvider !== 'auth0' || !this.current) return undefined;
    const [provider] = this.current.servers.resources('aws_iam_openid_connect_provider');
    const [fn] = this.current.foundation.resources('aws_lambda_function');
    const issuer = provider?.attributes.url ?? (fn?.attributes.environment as { variables?: Record<string, string> } | undefined)?.variables?.TOKEN_ISSUER;
    if (issuer === undefined) return undefined;
    const origin = str(issuer).replace(/\/$/, '');
    return new RegExp(`^${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$)`);
  }

  private hostEnv(name: string, configuration: ServerConfiguration, secretFile: string): string {
    const sandboxLines: Array<[string, string]> = [
      ['AWS_ENDPOINT_URL_STS', this.sts.url],
      ['AWS_ENDPOINT_URL_S3', this.gateway.url],
      ['S3_FORCE_PATH_STYLE', 'true'],
      ['NODE_EXTRA_CA_CERTS', this.tls.caFile],
      ['AWS_CA_BUNDLE', this.tls.caFile],
      ['OIDC_CACHE_DIR', join(this.dir, 'cache', name)],
    ];
    return (
      renderEnvFile(name, configuration, secretFile) +
      `# Local sandbox (npm start): endpoints and CA of this machine's stand-ins, valid while it runs.\n` +
      sandboxLines.map(([key, value]) => `${key}=${formatEnvValue(value)}`).join('\n') +
      '\n'
    );
  }

  /** An AWS CLI / boto3 config: one profile per enabled server, credentials from the client's own credential_process. */
  private awsConfig(): string {
    return this.servers
      .filter((s) => s.envFile)
      .map(
        (s) =>
          // Node reads NODE_EXTRA_CA_CERTS only at start-up, so the command sets it (an --env-file is read later).
          `[profile ${s.name}]\nregion = eu-west-1\ncredential_process = /usr/bin/env NODE_EXTRA_CA_CERTS=${this.tls.caFile} ${process.execPath} ${this.providerBundle} get-credentials --env-file ${s.envFile}\n` +
          // Newer CLIs and boto3 read ca_bundle from the profile; the CLI of Debian 12 needs AWS_CA_BUNDLE.
          `ca_bundle = ${this.tls.caFile}\n`,
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    this.lambda.child.kill('SIGTERM');
    await Promise.allSettled([this.gateway.close(), this.idp.close(), this.sts.close(), this.s3.close(), this.dynamo.close()]);
    rmSync(this.dir, { recursive: true, force: true });
    this.options.log(`stopped; removed ${relative(this.options.rootDir, this.dir)}`);
  }
}

function findOutput(stack: TerraformJson, name: string): unknown {
  return stack.output?.[name]?.value;
}

function auth0Audience(foundation: TerraformJson): string | undefined {
  const api = Object.values(foundation.resource?.auth0_resource_server ?? {})[0] as { identifier?: string } | undefined;
  return api?.identifier;
}

function cognitoResourceServer(foundation: TerraformJson): string | undefined {
  const rs = Object.values(foundation.resource?.aws_cognito_resource_server ?? {})[0] as { identifier?: string } | undefined;
  return rs?.identifier;
}

/** `npm run synth` without the CLI: the app exactly as cdktf.json runs it, into `outdir`. */
export async function synthesize(rootDir: string, environment: string, outdir: string): Promise<{ foundation: TerraformJson; servers: TerraformJson }> {
  mkdirSync(outdir, { recursive: true });
  const app = (JSON.parse(readFileSync(join(rootDir, 'cdktf.json'), 'utf8')) as { app: string }).app.split(' ');
  const [command, ...args] = app;
  const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn(command === 'node' ? process.execPath : command!, args, {
      cwd: rootDir,
      env: { ...process.env, ENVIRONMENT: environment, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, text }));
  });
  if (output.code !== 0) throw new SynthError(output.text.trim());
  const read = (stack: string) => JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  if (!existsSync(join(outdir, 'stacks', 'servers', 'cdk.tf.json'))) throw new SynthError(`synth wrote no servers stack into ${outdir}`);
  return { foundation: read('foundation'), servers: read('servers') };
}

export class SynthError extends Error {
  readonly code = 'SYNTH_FAILED';
}

/** The vending Lambda's runtime child; resolves once it listens. */
function startLambdaRuntime(rootDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(rootDir, 'sandbox', 'lambda-runtime.ts'), [], {
      execArgv: ['--require', 'tsx/cjs'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (message: { port?: number }) => {
      if (message.port) resolve({ child, url: `https://127.0.0.1:${message.port}` });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the vending Lambda runtime exited (${code})`)));
  });
}
