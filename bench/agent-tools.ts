// Benchmark of the agent tools as they ship: `oidc-s3-mcp`'s start-to-first-tool-result time on
// a warm credential cache (spawned by the MCP SDK's own stdio client, as an agent would), the
// gateway Lambdas' warm latency per tool (the esbuild bundles against dynalite, the STS
// stand-in and s3rver over loopback), and the bundle sizes. Run directly: `npx tsx bench/agent-tools.ts`.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { bundleAgentLambda, REPO_ROOT } from '../modules/bundle';
import { median, percentile, round as roundTo } from './harness';
import { benchMain, note, runWorker } from './local-servers';

type Figures = Record<string, number | string>;

const START_RUNS = 10;
const WARM_CALLS = 300;
const TOOLS = ['create_object', 'read_object', 'update_object', 'list_objects', 'delete_object'] as const;

export function benchAgentTools(): Promise<Figures> {
  return runWorker<Figures>(__filename, {});
}

const round = (ms: number): number => roundTo(ms, 2);

async function measure(): Promise<Figures> {
  const [{ TestHost, auth0HostSettings, cleanEnv }, { startMcp }, { startOAuthServer }, { startStsStub }, { startS3 }, { startDynalite, createClientRolesTable }] = await Promise.all([
    import('../test/client/harness'),
    import('../test/agent-tools/mcp-client'),
    import('../sandbox/oauth-server'),
    import('../sandbox/sts'),
    import('../sandbox/s3rver'),
    import('../sandbox/dynalite'),
      ]);
  // The machine is shared: the load when the run started says how far to trust the latencies.
  const figures: Figures = { load_average_1m_at_start: roundTo(loadavg()[0]!, 1) };
  const s3 = await startS3();
  const audience = 'https://s3-uploader.bench-agents.example';
  const roleArn = 'arn:aws:iam::123456789012:role/oidc-s3-bench/oidc-s3-bench-web-01';
  const idp = await startOAuthServer({ style: 'auth0', audience, clients: [{ clientId: 'benchAgentHost', clientSecret: 'bench-agent-secret' }] });
  const sts = await startStsStub({ credentials: s3.accessKeys, webIdentity: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience, roles: { [roleArn]: 'benchAgentHost@clients' } } });
  const dynamo = await startDynalite();
  const host = new TestHost('bench-agent-host');
  const direct = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'eu-west-1', credentials: s3.accessKeys });
  try {
    // --- the host's MCP server ---
    host.settings = {
      ...auth0HostSettings({ home: host.home, tokenUrl: idp.tokenUrl, stsUrl: sts.url, clientId: 'benchAgentHost', clientSecret: 'bench-agent-secret', audience, roleArn, region: 'eu-west-1' }),
      S3_BUCKET: s3.bucket,
      S3_PREFIX: 'web-01/',
      S3_PERMISSIONS: 'full',
      AWS_ENDPOINT_URL_S3: s3.url,
      S3_FORCE_PATH_STYLE: 'true',
    };
    const envFile = host.envFile();
    if ((await host.getCredentials(envFile)).code !== 0) throw new Error('get-credentials failed');
    await direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'web-01/hello.txt', Body: 'hello' }));
    const tokensBefore = idp.tokenRequests;
    const starts: number[] = [];
    for (let i = 0; i < START_RUNS + 1; i += 1) {
      const started = performance.now();
      const session = await startMcp(host.bundles.mcp, envFile, cleanEnv(host.home));
      const result = await session.call('read_object', { key: 'hello.txt' });
      const took = performance.now() - started;
      await session.close();
      if (result.isError || result.json?.content !== 'hello') throw new Error(`read_object answered ${result.text}`);
      if (i > 0) starts.push(took); // the first run warms the page cache
    }
    if (idp.tokenRequests !== tokensBefore) throw new Error('a warm-cache MCP start asked for a token');
    figures.mcp_start_to_first_result_median_ms = round(median(starts));
    figures.mcp_start_to_first_result_p90_ms = round(percentile(starts, 90));
    figures.mcp_token_requests_with_warm_cache = idp.tokenRequests - tokensBefore;
    note(`agent tools: MCP start to first result ${figures.mcp_start_to_first_result_median_ms} ms`);

    // --- the gateway's Lambdas ---
    const outdir = join(REPO_ROOT, 'bench/.work/agent');
    mkdirSync(outdir, { recursive: true });
    const toolsFile = bundleAgentLambda('agent-tools', join(outdir, 'tools'));
    const interceptorFile = bundleAgentLambda('agent-interceptor', join(outdir, 'interceptor'));
    figures.bundle_oidc_s3_mcp_kib = round(statSync(host.bundles.mcp).size / 1024);
    figures.bundle_agent_tools_lambda_kib = round(statSync(toolsFile).size / 1024);
    figures.bundle_agent_interceptor_lambda_kib = round(statSync(interceptorFile).size / 1024);

    // The agent-tools table has the mapping table's key schema (hash key client_id).
    await createClientRolesTable(dynamo.client, 'bench-agent-tools');
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await dynamo.client.send(
      new PutItemCommand({
        TableName: 'bench-agent-tools',
        Item: { client_id: { S: 'benchAgentHost' }, server_name: { S: 'web-01' }, role_arn: { S: roleArn }, s3_path_prefix: { S: 'web-01/' }, s3_permissions: { S: 'full' }, enabled: { BOOL: true } },
      }),
    );
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ACCESS_KEY_ID: 'AKIDBENCHAGENTLAMBDA',
      AWS_SECRET_ACCESS_KEY: 'bench-agent-lambda-secret',
      IDENTITY_PROVIDER: 'auth0',
      TOKEN_ISSUER: idp.issuer,
      AUDIENCE: audience,
      AGENT_TOOLS_TABLE: 'bench-agent-tools',
      BUCKET_NAME: s3.bucket,
    });
    /* eslint-disable @typescript-eslint/no-require-imports */
    const tools = (require(toolsFile) as { handler: (e: unknown, c: unknown) => Promise<{ isError?: boolean; content: { text: string }[] }> }).handler;
    const interceptor = (require(interceptorFile) as { handler: (e: unknown) => Promise<{ mcp: { transformedGatewayRequest?: { body: { params: { arguments: Record<string, unknown> } } } } }> }).handler;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const token = await idp.sign(idp.accessTokenClaims('benchAgentHost'));
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write; // the Lambdas' JSON logs
    try {
      const interceptorLatencies: number[] = [];
      const callerArgs = async (tool: string, args: Record<string, unknown>) => {
        const started = performance.now();
        const out = await interceptor({
          interceptorInputVersion: '1.0',
          mcp: { gatewayRequest: { path: '/mcp', httpMethod: 'POST', headers: { Authorization: `Bearer ${token}` }, body: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: `s3-tools___${tool}`, arguments: args } } } },
        });
        interceptorLatencies.push(performance.now() - started);
        const forwarded = out.mcp.transformedGatewayRequest?.body.params.arguments;
        if (!forwarded) throw new Error('the interceptor refused the bench caller');
        return forwarded;
      };
      for (let i = 0; i < 20; i += 1) await direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `web-01/list/${i}.txt`, Body: 'x' }));
      for (const tool of TOOLS) {
        const latencies: number[] = [];
        for (let i = 0; i < WARM_CALLS + 20; i += 1) {
          const key = `bench/${tool}-${i}.txt`;
          if (tool === 'delete_object') await direct.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `web-01/${key}`, Body: 'x' }));
          const args = tool === 'list_objects' ? { prefix: 'list/' } : tool === 'create_object' ? { key, content: 'benchmark content' } : tool === 'update_object' ? { key: 'hello.txt', content: `v${i}` } : tool === 'read_object' ? { key: 'hello.txt' } : { key };
          const event = await callerArgs(tool, args);
          const started = performance.now();
          const result = await tools(event, { clientContext: { custom: { bedrockAgentCoreToolName: `s3-tools___${tool}` } } });
          const took = performance.now() - started;
          if (result.isError) throw new Error(`${tool} answered ${result.content[0]?.text}`);
          if (i >= 20) latencies.push(took);
        }
        figures[`lambda_${tool}_p50_ms`] = round(percentile(latencies, 50));
        figures[`lambda_${tool}_p99_ms`] = round(percentile(latencies, 99));
        note(`agent tools: ${tool} p50 ${figures[`lambda_${tool}_p50_ms`]} ms`);
      }
      const steady = interceptorLatencies.slice(20);
      figures.interceptor_p50_ms = round(percentile(steady, 50));
      figures.interceptor_p99_ms = round(percentile(steady, 99));
      figures.lambda_sts_calls = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').length - 1;
    } finally {
      process.stdout.write = write;
    }
    return figures;
  } finally {
    direct.destroy();
    await Promise.all([s3.close(), idp.close(), sts.close(), dynamo.close()]);
    host.close();
  }
}

if (require.main === module) benchMain(measure, benchAgentTools);
