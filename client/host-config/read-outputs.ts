import { spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { readTextFile } from '../storage/file-access';

/**
 * The servers stack's outputs, secrets included, read without ever leaving them where another
 * user could read or plant them:
 * - `source` undefined: runs `cdktf output servers --outputs-file F
 *   --outputs-file-include-sensitive-outputs` (DESIGN "Commands") with F in a fresh directory
 *   made by mkdtemp (0700, ours alone), F pre-created empty with O_EXCL and mode 0600 so cdktf
 *   writes into an owner-only file, and the directory removed afterwards whatever happens;
 * - `source` `-`: JSON on stdin (`terraform output -json` / `tofu output -json` piped in);
 * - otherwise: the named file (an operator's own, private, choice).
 * `cdktf` is found on PATH (`npm run` puts the project's own first) and runs in `cwd`.
 */
export async function readServerOutputs(source: string | undefined, cwd: string): Promise<{ text: string; origin: string }> {
  if (source === '-') return { text: await readStdin(), origin: 'stdin' };
  if (source !== undefined) return { text: readTextFile(source, '--outputs'), origin: source };
  const privateDir = mkdtempSync(join(tmpdir(), 'oidc-s3-outputs-'));
  try {
    const file = join(privateDir, 'outputs.json');
    closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600));
    const args = ['output', 'servers', '--outputs-file', file, '--outputs-file-include-sensitive-outputs'];
    const { code, stderr } = await runQuietly('cdktf', args, cwd);
    if (code !== 0) {
      throw new ConfigError('cdktf output servers', `failed (exit ${code}): ${lastLines(stderr)}; or pipe \`terraform output -json\` into --outputs -`);
    }
    return { text: readTextFile(file, 'cdktf outputs file'), origin: 'cdktf output servers' };
  } finally {
    rmSync(privateDir, { recursive: true, force: true });
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

/** Runs a command with its stdout discarded (it could print outputs) and its stderr kept. */
function runQuietly(command: string, args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ code: null, stderr: error.code === 'ENOENT' ? `${command} not found on PATH (run through npm run host-config)` : error.message }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 400) || 'no message';
}
