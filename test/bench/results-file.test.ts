// bench/RESULTS.md after partial reruns (`npm run bench -- <suites>`): every section keeps the
// line naming the run it comes from, and the introduction lists every rerun section, however
// many partial runs followed the full one.
import { mergePartial, provenanceLine, type SuiteHeadings } from '../../bench/results-file';

const SUITES: Record<string, SuiteHeadings> = {
  client: { title: 'Client', targetPrefixes: ['client:'] },
  serve: { title: 'Credentials endpoint (serve)', targetPrefixes: ['serve:'] },
  tofu: { title: 'OpenTofu scaling', targetPrefixes: ['tofu:'] },
};

const FULL = `# Benchmark results

Written by \`npm run bench\` on 2026-11-30T05:12:00.894Z (677 s). Every figure below
comes from that one run, so ratios compare measurements taken side by side.

## Machine

- CPU: test, 2 cores

## Targets

| target | measured | met |
| --- | --- | --- |
| client: warm | 1.25× | yes |
| serve: every request answered | 0 failed | yes |

## Client

Measured by \`npm run bench\` on 2026-11-30T05:12:00.894Z (677 s); the section started at 2026-11-30T05:15:00.000Z with a 1-minute load average of 0.40 on 2 cores.

| figure | value |
| --- | --- |
| warm_cache_median_ms | 86.7 |

## Credentials endpoint (serve)

Measured by \`npm run bench\` on 2026-11-30T05:12:00.894Z (677 s); the section started at 2026-11-30T05:16:00.000Z with a 1-minute load average of 3.10 on 2 cores.

failed: socket hang up
`;

/** What \`npm run bench -- <suite>\` writes for itself before the merge (only the parts the merge reads). */
function freshRun(suite: 'serve' | 'tofu' | 'client', started: string, seconds: number, load: string, figure: string, target: string): string {
  const title = SUITES[suite]!.title;
  return `# Benchmark results

Written by \`npm run bench -- ${suite}\` on ${started} (${seconds} s). Every figure below
comes from that one run, so ratios compare measurements taken side by side.

## Machine

- CPU: test, 2 cores

## Targets

| target | measured | met |
| --- | --- | --- |
| ${target} |

## ${title}

Measured by \`npm run bench -- ${suite}\` on ${started} (${seconds} s); the section started at ${started} with a 1-minute load average of ${load} on 2 cores.

| figure | value |
| --- | --- |
| ${figure} |
`;
}

const SERVE_RERUN = freshRun('serve', '2026-11-30T05:38:06.641Z', 135, '0.52', 'failed_requests | 0', 'serve: every request answered | 0 failed | yes');
const TOFU_RERUN = freshRun('tofu', '2026-11-30T05:45:00.000Z', 343, '1.05', 'plan_ms | 2800', 'tofu: plan | 2.8 s | yes');

function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`## ${title}\n`);
  if (start < 0) throw new Error(`no section ${title}`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end).trimEnd();
}

test('one rerun: its section and Targets rows replace the full run\'s, and the introduction names it with its run', () => {
  const merged = mergePartial(FULL, SERVE_RERUN, ['serve'], SUITES);
  expect(merged.split('\n## ')[0]).toBe(`# Benchmark results

Written by \`npm run bench\` on 2026-11-30T05:12:00.894Z (677 s). Every figure below comes from
that run except in the sections listed here, each measured later by a run of its own (its rows
of the Targets table too; each section's first line names the run that measured it):

- Credentials endpoint (serve): \`npm run bench -- serve\` on 2026-11-30T05:38:06.641Z (135 s)
`);
  expect(section(merged, 'Credentials endpoint (serve)')).toBe(section(SERVE_RERUN, 'Credentials endpoint (serve)'));
  expect(section(merged, 'Client')).toBe(section(FULL, 'Client'));
  expect(section(merged, 'Machine')).toBe(section(FULL, 'Machine'));
  expect(section(merged, 'Targets').split('\n').slice(4)).toEqual(['| client: warm | 1.25× | yes |', '| serve: every request answered | 0 failed | yes |']);
});

test('a second rerun of another suite keeps the first rerun\'s entry: both sections are listed, each with its own run', () => {
  const merged = mergePartial(mergePartial(FULL, SERVE_RERUN, ['serve'], SUITES), TOFU_RERUN, ['tofu'], SUITES);
  expect(merged).toContain(`it):

- Credentials endpoint (serve): \`npm run bench -- serve\` on 2026-11-30T05:38:06.641Z (135 s)
- OpenTofu scaling: \`npm run bench -- tofu\` on 2026-11-30T05:45:00.000Z (343 s)

## Machine`);
  expect(section(merged, 'Credentials endpoint (serve)')).toBe(section(SERVE_RERUN, 'Credentials endpoint (serve)'));
  // A section the full run did not have is added in the suites' order, after the others.
  expect(merged.trimEnd().endsWith(section(TOFU_RERUN, 'OpenTofu scaling'))).toBe(true);
  expect(merged.match(/^## .+/gm)).toEqual(['## Machine', '## Targets', '## Client', '## Credentials endpoint (serve)', '## OpenTofu scaling']);
  expect(section(merged, 'Targets').split('\n').slice(4)).toEqual([
    '| client: warm | 1.25× | yes |',
    '| serve: every request answered | 0 failed | yes |',
    '| tofu: plan | 2.8 s | yes |',
  ]);
});

test('rerunning a suite again lists only its latest run; merging is stable', () => {
  const again = freshRun('serve', '2026-11-30T06:20:00.000Z', 140, '0.30', 'failed_requests | 0', 'serve: every request answered | 0 failed | yes');
  const once = mergePartial(mergePartial(FULL, SERVE_RERUN, ['serve'], SUITES), again, ['serve'], SUITES);
  expect(once).toContain('- Credentials endpoint (serve): `npm run bench -- serve` on 2026-11-30T06:20:00.000Z (140 s)\n');
  expect(once).not.toContain('05:38:06.641Z');
  expect(mergePartial(once, again, ['serve'], SUITES)).toBe(once);
});

test('rerunning every section the full run had still names the full run as the file\'s origin and lists them all', () => {
  const clientRerun = freshRun('client', '2026-11-30T06:00:00.000Z', 20, '0.10', 'warm_cache_median_ms | 80', 'client: warm | 1.2× | yes');
  const merged = mergePartial(mergePartial(FULL, SERVE_RERUN, ['serve'], SUITES), clientRerun, ['client'], SUITES);
  expect(merged).toContain('Written by `npm run bench` on 2026-11-30T05:12:00.894Z (677 s).');
  expect(merged).toContain('- Client: `npm run bench -- client` on 2026-11-30T06:00:00.000Z (20 s)\n- Credentials endpoint (serve): `npm run bench -- serve`');
  // Each rerun suite's rows stay where its old ones were.
  expect(section(merged, 'Targets').split('\n').slice(4)).toEqual(['| client: warm | 1.2× | yes |', '| serve: every request answered | 0 failed | yes |']);
});

test('a file from before provenance lines: the runs its "Sections rerun by" paragraph names move to their sections, the rest are the full run\'s', () => {
  const legacy = `# Benchmark results

Written by \`npm run bench\` on 2026-11-30T05:12:00.894Z (677 s). Every figure below
comes from that one run, so ratios compare measurements taken side by side.

Sections rerun by \`npm run bench -- tofu\` on 2026-11-30T05:26:16.099Z (343 s): OpenTofu scaling (a path bug). Rerun by \`npm run bench -- serve\` on 2026-11-30T05:38:06.641Z (135 s): Credentials endpoint (serve). The rest comes from the run above.

## Targets

| target | measured | met |
| --- | --- | --- |
| client: warm | 1.25× | yes |

## Client

| figure | value |
| --- | --- |
| warm_cache_median_ms | 86.7 |

## Credentials endpoint (serve)

| figure | value |
| --- | --- |
| failed_requests | 0 |

## OpenTofu scaling

| servers | plan_ms |
| --- | --- |
| 10 | 2800 |
`;
  const clientRerun = freshRun('client', '2026-11-30T06:00:00.000Z', 20, '0.10', 'warm_cache_median_ms | 80', 'client: warm | 1.2× | yes');
  const merged = mergePartial(legacy, clientRerun, ['client'], SUITES);
  expect(merged).not.toContain('Sections rerun by');
  expect(merged).toContain(`it):

- Client: \`npm run bench -- client\` on 2026-11-30T06:00:00.000Z (20 s)
- Credentials endpoint (serve): \`npm run bench -- serve\` on 2026-11-30T05:38:06.641Z (135 s)
- OpenTofu scaling: \`npm run bench -- tofu\` on 2026-11-30T05:26:16.099Z (343 s)

## Targets`);
  expect(section(merged, 'Credentials endpoint (serve)')).toBe(`## Credentials endpoint (serve)

Measured by \`npm run bench -- serve\` on 2026-11-30T05:38:06.641Z (135 s); load average not recorded.

| figure | value |
| --- | --- |
| failed_requests | 0 |`);
  expect(section(merged, 'OpenTofu scaling')).toContain('Measured by `npm run bench -- tofu` on 2026-11-30T05:26:16.099Z (343 s); load average not recorded.');
});

test('a section measured by the full run says so once rerun elsewhere, with the load average when it was recorded', () => {
  const legacy = FULL.replace(/Measured by [^\n]*\n\n/g, '');
  const merged = mergePartial(legacy, TOFU_RERUN, ['tofu'], SUITES);
  expect(section(merged, 'Client')).toContain('\n\nMeasured by `npm run bench` on 2026-11-30T05:12:00.894Z (677 s); load average not recorded.\n\n| figure | value |');
  expect(provenanceLine({ command: 'npm run bench', started: '2026-11-30T05:12:00.894Z', seconds: 677 }, { started: '2026-11-30T05:15:00.000Z', loadAverage: 3.104, cores: 2 })).toBe(
    'Measured by `npm run bench` on 2026-11-30T05:12:00.894Z (677 s); the section started at 2026-11-30T05:15:00.000Z with a 1-minute load average of 3.10 on 2 cores.',
  );
});
