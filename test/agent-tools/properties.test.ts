// Property tests (fast-check) for the properties of the original design (seed 000): token
// validation, authentication failure handling, CRUD round-trip, update consistency, delete
// effectiveness, routing consistency, error-message specificity, input validation and
// security-event logging. Real parts throughout: s3rver through the SDK's S3 client, dynalite,
// the local OAuth server's signed tokens, the STS stand-in.
import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { CALLER_ARGUMENT } from '../../lambda/agent-tools/caller';
import { MAX_KEY_BYTES, objectKey } from '../../lambda/agent-tools/keys';
import { S3Tools, TOOL_TIER } from '../../lambda/agent-tools/operations';
import { TOOL_DEFINITIONS, TOOL_NAMES, toolNameOf } from '../../lambda/agent-tools/tool-schemas';
import { inlineToolSchemas } from '../../modules/agent-gateway';
import { createClientRolesTable, startDynalite, type LocalDynamo } from '../../sandbox/dynalite';
import { startOAuthServer, type OAuthServer } from '../../sandbox/oauth-server';
import { startS3, type LocalS3 } from '../../sandbox/s3rver';
import { startStsStub, type StsStub } from '../../sandbox/sts';
import { captureLogs } from '../lambda/harness';
import { interceptorEvent, loadGatewayHandlers, putAgentToolsItem, throughGateway, type InterceptorHandler, type ToolsHandler } from './gateway-harness';

const RESOURCE_SERVER = 'https://s3-uploader.props';
const PREFIX = 'prop-01/';
const RUNS = { numRuns: 40 };

let s3: LocalS3;
let client: S3Client;
let tools: S3Tools;
let idp: OAuthServer;
let dynamo: LocalDynamo;
let sts: StsStub;
let gw: { interceptor: InterceptorHandler; tools: ToolsHandler };

beforeAll(async () => {
  [s3, idp, dynamo] = await Promise.all([
    startS3(),
    startOAuthServer({ style: 'cognito', resourceServer: RESOURCE_SERVER, clients: [{ clientId: 'propClient01', clientSecret: 's' }, { clientId: 'propOff02', clientSecret: 's' }] }),
    startDynalite(),
  ]);
  sts = await startStsStub({ credentials: s3.accessKeys });
  client = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'eu-west-1', credentials: s3.accessKeys });
  tools = new S3Tools({ client, bucket: s3.bucket, prefix: PREFIX, tier: 'full', maxReadBytes: 64 * 1024 });
  await createClientRolesTable(dynamo.client, 'props-agent-tools');
  const role = 'arn:aws:iam::123456789012:role/oidc-s3-props/oidc-s3-props-prop-01';
  await putAgentToolsItem(dynamo, 'props-agent-tools', { client_id: 'propClient01', server_name: 'prop-01', role_arn: role, s3_path_prefix: PREFIX, s3_permissions: 'full', enabled: true });
  await putAgentToolsItem(dynamo, 'props-agent-tools', { client_id: 'propOff02', server_name: 'prop-02', role_arn: role, s3_path_prefix: 'prop-02/', s3_permissions: 'full', enabled: false });
  gw = loadGatewayHandlers({
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ACCESS_KEY_ID: 'AKIDPROPERTYLAMBDA',
    AWS_SECRET_ACCESS_KEY: 'property-lambda-secret',
    IDENTITY_PROVIDER: 'cognito',
    TOKEN_ISSUER: idp.issuer,
    RESOURCE_SERVER_IDENTIFIER: RESOURCE_SERVER,
    AUDIENCE: undefined,
    AGENT_TOOLS_TABLE: 'props-agent-tools',
    BUCKET_NAME: s3.bucket,
    MAX_READ_BYTES: undefined,
  });
});

afterAll(async () => {
  client?.destroy();
  await Promise.all([s3?.close(), idp?.close(), dynamo?.close(), sts?.close()]);
});

let quiet: jest.SpyInstance | undefined;
beforeEach(() => {
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => quiet?.mockRestore());

/** Keys an agent may use: 1-3 segments of printable characters other than "/" and "\\", never "." or "..". */
const segment = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~ é€😀'.split(/(?:)/u)), minLength: 1, maxLength: 12 }).filter((s) => s !== '.' && s !== '..');
const validKey = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
let counter = 0;
/** A valid key no earlier run used, so properties do not see each other's objects. */
const freshKey = validKey.map((key) => `run-${++counter}/${key}`);
/** The arguments a tool takes, for `key`. */
const argsFor = (tool: string, key: string) => (tool === 'list_objects' ? {} : tool === 'create_object' || tool === 'update_object' ? { key, content: 'c' } : { key });
const text = (r: { content: { text: string }[] }) => r.content[0]!.text;
const json = (r: { content: { text: string }[] }) => JSON.parse(text(r)) as Record<string, unknown>;

describe('Property 3: CRUD round-trip', () => {
  test('create then read returns the same content, text as utf8 and any bytes as base64', async () => {
    await fc.assert(
      fc.asyncProperty(freshKey, fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }).map((t) => ({ text: t })), fc.uint8Array({ maxLength: 300 }).map((b) => ({ bytes: Buffer.from(b) }))), async (key, body) => {
        const args = 'text' in body ? { key, content: body.text } : { key, content: body.bytes.toString('base64'), encoding: 'base64' };
        const created = await tools.call('create_object', args);
        expect(created.isError).toBeUndefined();
        const read = json(await tools.call('read_object', { key }));
        const got = read.encoding === 'base64' ? Buffer.from(read.content as string, 'base64') : Buffer.from(read.content as string, 'utf8');
        expect(got.equals('text' in body ? Buffer.from(body.text, 'utf8') : body.bytes)).toBe(true);
        expect(read.size).toBe(got.length);
        expect(read.key).toBe(key);
      }),
      RUNS,
    );
  });
});

describe('Property 4: update consistency', () => {
  test('after update, read returns the new content; update never creates', async () => {
    await fc.assert(
      fc.asyncProperty(freshKey, fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), async (key, first, second) => {
        expect(text(await tools.call('update_object', { key, content: second }))).toBe(`not_found: ${key} does not exist; use create_object to create it`);
        await tools.call('create_object', { key, content: first });
        expect(json(await tools.call('update_object', { key, content: second }))).toMatchObject({ key, updated: true, size: Buffer.byteLength(second) });
        expect(json(await tools.call('read_object', { key })).content).toBe(second);
      }),
      { numRuns: 25 },
    );
  });
});

describe('Property 5: delete effectiveness', () => {
  test('after delete the key reads, deletes and lists as gone', async () => {
    await fc.assert(
      fc.asyncProperty(freshKey, fc.string({ maxLength: 50 }), async (key, content) => {
        await tools.call('create_object', { key, content });
        expect(json(await tools.call('delete_object', { key }))).toEqual({ key, deleted: true });
        expect(text(await tools.call('read_object', { key }))).toBe(`not_found: ${key} does not exist`);
        expect(text(await tools.call('delete_object', { key }))).toBe(`not_found: ${key} does not exist`);
        const listed = json(await tools.call('list_objects', { prefix: key }));
        expect((listed.objects as { key: string }[]).map((o) => o.key)).not.toContain(key);
      }),
      { numRuns: 25 },
    );
  });
});

describe('Property 8: input validation consistency', () => {
  /** The rule, stated independently of keys.ts. */
  const acceptable = (key: string) =>
    key.length > 0 &&
    !key.startsWith('/') &&
    !key.endsWith('/') &&
    !key.includes('\\') &&
    !/[\u0000-\u001f\u007f-\u009f]/.test(key) &&
    !key.split('/').some((s) => s === '.' || s === '..') &&
    Buffer.byteLength(PREFIX + key) <= MAX_KEY_BYTES;
  const anyKey = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', '/', '.', '\\', '\u0000', '\t', 'é', '\u0085'), maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('x', 'é'), minLength: 500, maxLength: 1100 }),
  );

  test('a key is accepted exactly when the rule holds, and an accepted key stays under the prefix', () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        let full: string | undefined;
        let code: string | undefined;
        try {
          full = objectKey(PREFIX, key);
        } catch (error) {
          code = (error as { code?: string }).code;
        }
        expect(full !== undefined).toBe(acceptable(key));
        if (full === undefined) expect(code).toBe('invalid_key');
        else {
          expect(full).toBe(PREFIX + key);
          // Resolved as a path, it can never leave the prefix.
          expect(new URL(full, 'file:///').pathname.startsWith(`/${PREFIX}`) || /[%?#]/.test(key)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Property 7: error-message specificity', () => {
  const badKey = fc.oneof(
    fc.constant(''),
    segment.map((s) => `/${s}`),
    segment.map((s) => `../${s}`),
    segment.map((s) => `${s}/./x`),
    fc.tuple(segment, fc.constantFrom('\u0000', '\n', '\u007f')).map(([s, c]) => `${s}${c}`),
    fc.constant('k'.repeat(MAX_KEY_BYTES)),
  );

  test('every refusal starts with its specific code, names the offending input and never echoes a credential', async () => {
    await fc.assert(
      fc.asyncProperty(badKey, fc.constantFrom(...TOOL_NAMES.filter((t) => t !== 'list_objects')), async (key, tool) => {
        const result = await tools.call(tool, argsFor(tool, key));
        expect(result.isError).toBe(true);
        const message = text(result);
        expect(message).toMatch(/^invalid_key: /);
        if (key.length > 0 && key.length < 100) expect(message).toContain(JSON.stringify(key));
        expect(message).not.toContain(s3.accessKeys.secretAccessKey);
      }),
      { numRuns: 60 },
    );
  });

  test('a tier refusal names the tool, the tier it needs and the server\'s tier', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('write', 'read-write', 'full' as const), fc.constantFrom(...TOOL_NAMES), async (tier, tool) => {
        const tiered = new S3Tools({ client, bucket: s3.bucket, prefix: PREFIX, tier });
        const allowed = { write: 0, 'read-write': 1, full: 2 }[tier] >= { write: 0, 'read-write': 1, full: 2 }[TOOL_TIER[tool]];
        const result = await tiered.call(tool, argsFor(tool, `tier/${tool}`));
        if (allowed) expect(text(result)).not.toMatch(/^access_denied/);
        else expect(text(result)).toBe(`access_denied: ${tool} needs the "${TOOL_TIER[tool]}" tier or higher; this server's tier is "${tier}", which allows ${TOOL_NAMES.filter((t) => ({ write: 0, 'read-write': 1, full: 2 })[TOOL_TIER[t]] <= { write: 0, 'read-write': 1, full: 2 }[tier]).join(', ')}`);
      }),
      { numRuns: 30 },
    );
  });
});

describe('Property 6: routing consistency', () => {
  test('whatever the target is called, "<target>___<tool>" routes to <tool>', () => {
    const targetName = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'.split('')), minLength: 1, maxLength: 30 });
    fc.assert(fc.property(targetName, fc.constantFrom(...TOOL_NAMES), (target, tool) => expect(toolNameOf(`${target}___${tool}`)).toBe(tool)));
  });

  test('the gateway serves the same tools, arguments and required arguments as the MCP server', () => {
    const gateway = inlineToolSchemas();
    expect(gateway.map((t) => t.name)).toEqual(TOOL_DEFINITIONS.map((t) => t.name));
    for (const [i, tool] of TOOL_DEFINITIONS.entries()) {
      const property = (gateway[i]!.inputSchema as { property: { name: string; required: boolean; type: string }[] }[])[0]!.property;
      expect(property.map((p) => [p.name, p.type, p.required])).toEqual(Object.entries(tool.inputSchema.properties).map(([name, s]) => [name, s.type, tool.inputSchema.required.includes(name)]));
    }
  });

  test('through the gateway, each tool call reaches the same operation as on a host', async () => {
    const token = await idp.sign(idp.accessTokenClaims('propClient01', [`${RESOURCE_SERVER}/write`]));
    await fc.assert(
      fc.asyncProperty(freshKey, fc.string({ maxLength: 40 }), async (key, content) => {
        const viaGateway = await throughGateway(gw, token, 'tools/call', { name: `s3-tools___create_object`, arguments: { key, content } });
        expect(JSON.parse(text(viaGateway.result!))).toMatchObject({ key, created: true });
        expect(json(await tools.call('read_object', { key })).content).toBe(content);
        const back = await throughGateway(gw, token, 'tools/call', { name: `s3-tools___read_object`, arguments: { key } });
        expect(JSON.parse(text(back.result!)).content).toBe(content);
      }),
      { numRuns: 15 },
    );
  });
});

describe('Properties 1, 2 and 9: token validation, authentication failures, security events', () => {
  /** Ways to spoil a genuine token, each of which the interceptor must refuse. */
  const spoil = fc.constantFrom(
    (t: string) => `${t.slice(0, -4)}${t.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`, // signature
    (t: string) => t.split('.').slice(0, 2).join('.'), // no signature
    (t: string) => `${t}.extra`,
    (t: string) => t.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')),
    (t: string) => t.replace(/\.([^.]+)\./, (_m, payload: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), client_id: 'propOther' })).toString('base64url')}.`),
  );
  const claimChange = fc.constantFrom<Record<string, unknown>>(
    { iss: 'https://evil.example/pool' },
    { token_use: 'id' },
    { exp: Math.floor(Date.now() / 1000) - 3600 },
    { scope: 'https://other-api/write' },
    { client_id: undefined },
  );

  test('spoiled tokens and tokens with a bad claim are refused before any tool runs (genuine ones pass: Property 6), each logged once without the token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), spoil, claimChange, fc.constantFrom(...TOOL_NAMES), async (spoilSignature, spoiler, change, tool) => {
        const claims: Record<string, unknown> = { ...idp.accessTokenClaims('propClient01', [`${RESOURCE_SERVER}/read`]) };
        if (!spoilSignature) for (const [k, v] of Object.entries(change)) if (v === undefined) delete claims[k]; else claims[k] = v;
        const signed = await idp.sign(claims);
        const token = spoilSignature ? spoiler(signed) : signed;
        const { result, lines, raw } = await captureLogs(() => throughGateway(gw, token, 'tools/call', { name: `s3-tools___${tool}`, arguments: { key: 'never.txt', [CALLER_ARGUMENT]: { client_id: 'propClient01', server_name: 'prop-01' } } }));
        expect(result.targetEvent).toBeUndefined();
        expect(result.result?.isError).toBe(true);
        expect(text(result.result!)).toMatch(/^(unauthenticated|not_permitted): /);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatchObject({ event: expect.stringMatching(/^(authentication_failed|request_refused)$/), outcome: 'refused', tool: `s3-tools___${tool}` });
        expect(raw).not.toContain(token);
        expect(raw).not.toContain(signed.split('.')[2]!);
      }),
      { numRuns: 40 },
    );
  });

  test('any Authorization header that is not "Bearer <genuine token>" is refused as unauthenticated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`), fc.string({ maxLength: 40 }).map((s) => `Basic ${s}`)), async (header) => {
        const event = interceptorEvent(header, 'tools/call', { name: 's3-tools___list_objects', arguments: {} });
        const { result, lines } = await captureLogs(() => gw.interceptor(event));
        const body = result.mcp.transformedGatewayResponse?.body as { result: { content: { text: string }[] } };
        expect(body.result.content[0]!.text).toMatch(/^unauthenticated: /);
        expect(lines).toEqual([expect.objectContaining({ event: 'authentication_failed', code: 'unauthenticated' })]);
      }),
      { numRuns: 60 },
    );
  });

  test('a genuine token of a disabled server is refused and logged as request_refused', async () => {
    const token = await idp.sign(idp.accessTokenClaims('propOff02', [`${RESOURCE_SERVER}/write`]));
    const { result, lines, raw } = await captureLogs(() => throughGateway(gw, token, 'tools/call', { name: 's3-tools___read_object', arguments: { key: 'x' } }));
    expect(text(result.result!)).toBe('not_permitted: this client\'s server is disabled');
    expect(lines).toEqual([expect.objectContaining({ event: 'request_refused', code: 'not_permitted', client_id: 'propOff02' })]);
    expect(raw).not.toContain(token);
  });
});
