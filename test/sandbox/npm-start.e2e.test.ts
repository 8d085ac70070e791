// `npm start` as a new user runs it: in a fresh copy of the repository, the sandbox of `dev`
// (Auth0, direct exchange) comes up, prints `sandbox ready` and a "try it" block, and then the AWS
// CLI, boto3 and the client's own s3-ops go through it per tier: allowed inside the server's
// prefix, AccessDenied outside it and for a disabled server; a server added to servers.json while
// it runs works without a restart. Both readings of azp by STS (docs/IMPLEMENTATION.md).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AZP_READINGS } from '../../sandbox/sts';

const ROOT = join(__dirname, '../..');
const BUCKET = 'oidc-s3-dev-uploads';

function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'oidc-s3-sandbox-'));
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  return copy;
}

interface Shell {
  code: number | null;
  out: string;
}

function bash(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Shell> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.each(AZP_READINGS)('npm start, STS %s reading', (reading) => {
  let copy: string;
  let sandbox: ChildProcess;
  let output = '';
  let s3Url: string;
  let ca: string;
  const exited: Promise<number | null>[] = [];

  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 150_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const match = pattern.exec(output.slice(from));
        if (match) {
          clearInterval(poll);
          resolve(match[0]);
        } else if (Date.now() - started > timeoutMs || sandbox.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`no ${String(pattern)} in the sandbox's output:\n${output.slice(-3000)}`));
        }
      }, 100);
    });

  const hosts = () => join(copy, '.sandbox/dev/hosts');
  const awsEnv = () => ({ AWS_CONFIG_FILE: join(copy, '.sandbox/dev/aws-config'), AWS_CA_BUNDLE: ca, AWS_EC2_METADATA_DISABLED: 'true' });
  const aws = (server: string, args: string) => bash(`aws --profile ${server} --endpoint-url ${s3Url} ${args}`, copy, awsEnv());

  beforeAll(async () => {
    copy = copyRepository();
    writeFileSync(join(copy, 'hello.txt'), 'hello from the sandbox test\n');
    const env: NodeJS.ProcessEnv = { ...process.env, OIDC_S3_SANDBOX_AZP_READING: reading, CHECKPOINT_DISABLE: '1' };
    delete env.ENVIRONMENT; // the README's command: dev by default
    delete env.NODE_EXTRA_CA_CERTS; // the sandbox makes its own CA
    delete env.OIDC_S3_LOCAL_CA_DIR;
    // Its own process group, like a terminal's foreground job: SIGTERM to the group is what Ctrl-C does with SIGINT.
    sandbox = spawn('npm', ['start'], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    sandbox.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    sandbox.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited.push(new Promise((resolve) => sandbox.on('exit', (code) => resolve(code))));
    const ready = await waitFor(/^sandbox ready: .*$/m, 0, 280_000);
    s3Url = /S3 (https:\/\/127\.0\.0\.1:\d+)/.exec(ready)![1]!;
    await waitFor(/Ctrl-C stops it/);
    ca = /AWS_CA_BUNDLE=(\S+)/.exec(output)![1]!;
  }, 300_000);

  const stopGroup = () => {
    if (sandbox?.pid !== undefined && sandbox.exitCode === null) process.kill(-sandbox.pid, 'SIGTERM');
  };

  afterAll(async () => {
    stopGroup();
    await Promise.all(exited);
    rmSync(copy, { recursive: true, force: true });
  }, 30_000);

  test('says what it is, which azp reading STS applies, and writes 0600 host files as host-config does', () => {
    expect(output).toMatch(/not an AWS emulator/);
    expect(output).toMatch(new RegExp(`^sandbox ready: dev \\(auth0, direct exchange, STS reads azp as "${reading}"\\), 3 enabled server\\(s\\)`, 'm'));
    for (const server of ['web-01', 'etl-02', 'backup-03']) {
      expect(statSync(join(hosts(), `${server}.secret`)).mode & 0o777).toBe(0o600);
      const env = readFileSync(join(hosts(), `${server}.env`), 'utf8');
      expect(env).toMatch(/^OIDC_IDP_TYPE=auth0$/m);
      expect(env).toMatch(new RegExp(`^AWS_ENDPOINT_URL_S3=${s3Url}$`, 'm'));
      expect(env).toMatch(/^S3_FORCE_PATH_STYLE=true$/m);
      expect(env).toMatch(/^AWS_CA_BUNDLE=\S+ca\.pem$/m);
      expect(env).not.toContain(readFileSync(join(hosts(), `${server}.secret`), 'utf8').trim());
    }
    expect(output).not.toContain(readFileSync(join(hosts(), 'web-01.secret'), 'utf8').trim());
  });

  test('the printed "try it" commands behave as printed (write tier: inside the prefix, then outside)', async () => {
    const commands = [...output.matchAll(/^ {2}(AWS_CONFIG_FILE=\S+ AWS_CA_BUNDLE=\S+ aws .*)$/gm)].map((m) => m[1]!);
    expect(commands).toHaveLength(2);
    const works = await bash(commands[0]!, copy);
    expect(works).toMatchObject({ code: 0, out: expect.stringContaining(`upload: ./README.md to s3://${BUCKET}/web-01/README.md`) });
    const denied = await bash(commands[1]!, copy);
    expect(denied.code).not.toBe(0);
    expect(denied.out).toContain('An error occurred (AccessDenied) when calling the PutObject operation: Access Denied');
  }, 90_000);

  test('boto3, full tier (etl-02): put, list and get inside its prefix; outside, AccessDenied', async () => {
    const script = `
import sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
s3 = boto3.session.Session(profile_name='etl-02').client('s3', endpoint_url=sys.argv[1], config=Config(s3={'addressing_style': 'path'}))
s3.put_object(Bucket='${BUCKET}', Key='etl/02/b.txt', Body=b'boto3')
print(s3.get_object(Bucket='${BUCKET}', Key='etl/02/b.txt')['Body'].read().decode())
print([o['Key'] for o in s3.list_objects_v2(Bucket='${BUCKET}', Prefix='etl/02/')['Contents']])
for call in (lambda: s3.get_object(Bucket='${BUCKET}', Key='web-01/README.md'), lambda: s3.list_objects_v2(Bucket='${BUCKET}', Prefix='web-01/')):
    try:
        call(); print('allowed')
    except ClientError as e:
        print(e.response['Error']['Code'])
`;
    writeFileSync(join(copy, 'boto3-check.py'), script);
    const result = await bash(`python3 boto3-check.py ${s3Url}`, copy, awsEnv());
    expect(result.out.trim().split('\n')).toEqual(['boto3', "['etl/02/b.txt']", 'AccessDenied', 'AccessDenied']);
  }, 90_000);

  test("s3-ops, read-write tier (backup-03): upload and download inside; outside, AccessDenied explained by tier", async () => {
    const envFile = join(hosts(), 'backup-03.env');
    const ops = (args: string) =>
      bash(`node .sandbox/dev/bin/s3-ops.js ${args} --env-file ${envFile}`, copy, { ...awsEnv(), AWS_PROFILE: 'backup-03', NODE_EXTRA_CA_CERTS: ca });
    const up = await ops('upload hello.txt notes/hello.txt');
    expect(up).toMatchObject({ code: 0, out: expect.stringContaining(`s3://${BUCKET}/backups/backup-03/notes/hello.txt`) });
    const down = await ops('download notes/hello.txt hello.back');
    expect(down.code).toBe(0);
    expect(readFileSync(join(copy, 'hello.back'), 'utf8')).toBe('hello from the sandbox test\n');
    const outside = await ops('upload hello.txt hello.txt --prefix web-01/');
    expect(outside.code).not.toBe(0);
    expect(outside.out).toContain(`s3-ops: upload s3://${BUCKET}/web-01/hello.txt was denied`);
    expect(outside.out).toContain('[S3_ACCESS_DENIED]');
  }, 90_000);

  test('servers.json edited while it runs: a disabled server is refused at once, a new one works without a restart', async () => {
    // web-01's live session, as its host holds it before the operator disables it.
    const saved = join(copy, 'web-01.saved.env');
    copyFileSync(join(hosts(), 'web-01.env'), saved);
    copyFileSync(join(hosts(), 'web-01.secret'), join(copy, 'web-01.saved.secret'));
    // Its own secret path and no OIDC_CACHE_DIR (the test names a cache per call).
    writeFileSync(
      saved,
      readFileSync(saved, 'utf8')
        .replace(/^OIDC_CLIENT_SECRET_FILE=.*$/m, `OIDC_CLIENT_SECRET_FILE=${join(copy, 'web-01.saved.secret')}`)
        .replace(/^OIDC_CACHE_DIR=.*$/m, ''),
    );
    const provider = (cacheDir: string) =>
      bash(`node .sandbox/dev/bin/oidc-credential-provider.js get-credentials --env-file ${saved}`, copy, { NODE_EXTRA_CA_CERTS: ca, OIDC_CACHE_DIR: join(copy, cacheDir) });
    const live = await provider('cache-live');
    expect(live.code).toBe(0);
    const session = JSON.parse(live.out) as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };

    const file = join(copy, 'environments/dev/servers.json');
    const servers = JSON.parse(readFileSync(file, 'utf8')) as { servers: Record<string, Record<string, unknown>> };
    servers.servers['web-01']!.enabled = false;
    servers.servers['new-04'] = { s3_path_prefix: 'new-04/', s3_permissions: 'write' };
    const mark = output.length;
    writeFileSync(file, JSON.stringify(servers, null, 2));
    await waitFor(/reloaded servers\.json: 3 enabled server\(s\); added new-04; disabled or removed web-01/, mark, 120_000);

    expect(existsSync(join(hosts(), 'new-04.env'))).toBe(true);
    expect(existsSync(join(hosts(), 'web-01.env'))).toBe(false);
    const added = await aws('new-04', `s3 cp hello.txt s3://${BUCKET}/new-04/hello.txt`);
    expect(added).toMatchObject({ code: 0, out: expect.stringContaining(`upload: ./hello.txt to s3://${BUCKET}/new-04/hello.txt`) });

    // The unexpired session of the disabled server: its role now denies everything.
    const withSession = { AWS_ACCESS_KEY_ID: session.AccessKeyId, AWS_SECRET_ACCESS_KEY: session.SecretAccessKey, AWS_SESSION_TOKEN: session.SessionToken, AWS_DEFAULT_REGION: 'eu-west-1' };
    const refused = await bash(`aws --endpoint-url ${s3Url} s3 cp hello.txt s3://${BUCKET}/web-01/again.txt`, copy, { AWS_CA_BUNDLE: ca, AWS_CONFIG_FILE: '/dev/null', ...withSession });
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('An error occurred (AccessDenied) when calling the PutObject operation: Access Denied');
    // And no new session: without its client grant, the tenant refuses it a token.
    const fresh = await provider('cache-fresh');
    expect(fresh.code).toBe(1);
    expect(fresh.out).toMatch(/token endpoint .* refused .*HTTP 403.*\[TOKEN_REJECTED\]/);
  }, 180_000);

  test('SIGTERM stops it cleanly and removes .sandbox/dev', async () => {
    stopGroup();
    await exited[0];
    // npm, the group's leader, may exit first: the sandbox finishes its clean-up right after.
    for (let waited = 0; waited < 50_000 && !/sandbox: stopped; removed/.test(output); waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(output).toContain('sandbox: SIGTERM: stopping');
    expect(output).toMatch(/sandbox: stopped; removed \.sandbox\/dev/);
    expect(existsSync(join(copy, '.sandbox/dev'))).toBe(false);
  }, 60_000);
});
