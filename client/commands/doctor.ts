import { runDoctor, STEP_LABELS, type DoctorReport } from '../doctor/checks';
import type { Command } from './command';
import { DOCTOR } from './specs';

const WIDTH = Math.max(...Object.values(STEP_LABELS).map((label) => label.length)) + 2;
const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

/** One line per step; the first failure gets its likely cause and fix on the lines below. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    lines.push(`${MARK[step.status]} ${STEP_LABELS[step.step].padEnd(WIDTH)}${step.detail}`);
    if (step.status === 'fail') {
      lines.push(`    likely cause: ${step.cause}`);
      lines.push(`    fix: ${step.fix}`);
    }
  }
  lines.push(report.ok ? 'all checks passed' : `failed at: ${STEP_LABELS[report.failedStep!]}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `doctor`: checks this host's configuration step by step with fresh requests (the cache is
 * neither read nor written). Exit 0 when every step passes, 1 otherwise. Never prints the secret
 * or a whole token: claims are decoded and listed one by one.
 */
export const doctor: Command = {
  ...DOCTOR,
  async run({ env, options }) {
    const report = await runDoctor(env);
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify({ ok: report.ok, failed_step: report.failedStep ?? null, steps: report.steps })}\n`);
    } else {
      process.stdout.write(formatReport(report));
    }
    return report.ok ? 0 : 1;
  },
};
