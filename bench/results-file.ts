/**
 * bench/RESULTS.md as text: where each section's figures come from, and how a partial run
 * (`npm run bench -- serve`) merges into the file an earlier run wrote. Pure functions over
 * markdown, so the merge is unit-tested (test/bench/results-file.test.ts).
 *
 * Every suite's section opens with its provenance line, which travels with the section through
 * any number of merges:
 *
 *   Measured by `npm run bench -- serve` on 2026-11-30T05:38:06.641Z (135 s); the section started
 *   at 2026-11-30T05:38:07.002Z with a 1-minute load average of 0.42 on 2 cores.
 *
 * and the introduction lists, from those lines, every section that did not come from the run the
 * file was first written by.
 */

/** The run a section's figures come from. */
export interface RunStamp {
  /** The command as typed: `npm run bench` or `npm run bench -- serve tofu`. */
  readonly command: string;
  /** When the run started, ISO 8601. */
  readonly started: string;
  /** The whole run's length, in seconds. */
  readonly seconds: number;
}

/** When one section started and how busy the machine was then (os.loadavg()[0], os.cpus().length). */
export interface SectionStart {
  readonly started: string;
  readonly loadAverage: number;
  readonly cores: number;
}

/** How a suite appears in the file: its section title and how its rows of the Targets table begin. */
export interface SuiteHeadings {
  readonly title: string;
  readonly targetPrefixes: readonly string[];
}

const PROVENANCE = /^Measured by `([^`]+)` on (\S+) \((\d+(?:\.\d+)?) s\)/;
const WRITTEN_BY = /^Written by `([^`]+)` on (\S+) \((\d+(?:\.\d+)?) s\)\./m;

/** `npm run bench` for every suite, `npm run bench -- a b` for some. */
export function benchCommand(suites: readonly string[] | 'all'): string {
  return suites === 'all' ? 'npm run bench' : `npm run bench -- ${suites.join(' ')}`;
}

/** The first line of a suite's section. Without `start` (a file written before sections recorded it), says so. */
export function provenanceLine(run: RunStamp, start?: SectionStart): string {
  const measured = `Measured by \`${run.command}\` on ${run.started} (${run.seconds} s)`;
  if (!start) return `${measured}; load average not recorded.`;
  return `${measured}; the section started at ${start.started} with a 1-minute load average of ${start.loadAverage.toFixed(2)} on ${start.cores} cores.`;
}

/**
 * The paragraph under the title: the run the file was written by and, when sections were rerun
 * since, each of them with the run it comes from (command, start, length).
 */
export function introduction(written: RunStamp, reruns: readonly { readonly title: string; readonly run: RunStamp }[]): string {
  const head = `Written by \`${written.command}\` on ${written.started} (${written.seconds} s).`;
  if (reruns.length === 0) return `${head} Every figure below\ncomes from that one run, so ratios compare measurements taken side by side.`;
  return [
    `${head} Every figure below comes from`,
    'that run except in the sections listed here, each measured later by a run of its own (its rows',
    'of the Targets table too; each section\'s first line names the run that measured it):',
    '',
    ...reruns.map(({ title, run }) => `- ${title}: \`${run.command}\` on ${run.started} (${run.seconds} s)`),
  ].join('\n');
}

interface Block {
  /** undefined for the text above the first `## ` heading. */
  readonly title: string | undefined;
  readonly text: string;
}

function blocks(markdown: string): Block[] {
  return markdown.split(/\n(?=## )/).map((text) => ({ title: /^## (.+)/.exec(text)?.[1]?.trim(), text: text.trimEnd() }));
}

/** The run named by a section's provenance line, if it has one. */
function sectionRun(text: string): RunStamp | undefined {
  const first = text.split('\n').slice(1).find((line) => line.trim() !== '');
  const match = first === undefined ? null : PROVENANCE.exec(first);
  return match ? { command: match[1]!, started: match[2]!, seconds: Number(match[3]) } : undefined;
}

function withProvenance(text: string, line: string): string {
  const [heading, ...body] = text.split('\n');
  return [heading, '', line, '', ...body.join('\n').replace(/^\n+/, '').split('\n')].join('\n').trimEnd();
}

/**
 * Runs named in the introduction of a file written before sections carried their provenance
 * line ("Sections rerun by `npm run bench -- tofu` on <iso> (343 s): …"): suite → run.
 */
function legacyReruns(intro: string): Map<string, RunStamp> {
  const runs = new Map<string, RunStamp>();
  const paragraphs = intro.split(/\n{2,}/).filter((p) => /^(Sections )?[Rr]erun by /.test(p));
  for (const match of paragraphs.join('\n').matchAll(/`npm run bench -- ([^`]+)` on (\S+) \((\d+(?:\.\d+)?) s\)/g)) {
    const run = { command: `npm run bench -- ${match[1]!.trim()}`, started: match[2]!, seconds: Number(match[3]) };
    for (const suite of match[1]!.trim().split(/\s+/)) runs.set(suite, run);
  }
  return runs;
}

/**
 * The file after a partial run: the rerun suites' sections (each with its provenance line) and
 * their rows of the Targets table are taken from `fresh`, everything else stays as in `existing`,
 * and the introduction lists every section whose figures come from a later run than the one the
 * file was written by: the earlier reruns' as well as this one's.
 *
 * - `existing`: the file as it is (written by this module or, for a file from before provenance
 *   lines, with its "Sections rerun by …" paragraph, whose runs are carried over to their sections);
 * - `fresh`: the partial run's own file (resultsMarkdown), holding at least the rerun sections;
 * - `rerun`: the suites this run measured; `suites`: every suite in the order of the file.
 * Sections the existing file lacks are added in that order. A section without a provenance line
 * is the written-by run's and gets one saying so.
 */
export function mergePartial(existing: string, fresh: string, rerun: readonly string[], suites: Readonly<Record<string, SuiteHeadings>>): string {
  const freshBlocks = new Map(blocks(fresh).map((b) => [b.title, b.text] as const));
  const oldBlocks = blocks(existing);
  const intro = oldBlocks.find((b) => b.title === undefined)?.text ?? '# Benchmark results';
  const writtenMatch = WRITTEN_BY.exec(intro);
  const written: RunStamp | undefined = writtenMatch ? { command: writtenMatch[1]!, started: writtenMatch[2]!, seconds: Number(writtenMatch[3]) } : undefined;
  const legacy = legacyReruns(intro);
  const order = Object.keys(suites);
  const suiteOf = new Map(order.map((suite) => [suites[suite]!.title, suite] as const));
  const rerunTitles = new Set(rerun.map((suite) => suites[suite]!.title));

  const targetRows = (text: string | undefined) => (text ?? '').split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| target') && !line.startsWith('| ---'));
  const others: string[] = [];
  const sections = new Map<string, string>();
  for (const block of oldBlocks) {
    if (block.title === undefined) continue;
    if (block.title === 'Targets') {
      // A rerun suite's fresh rows take the place of its old ones; rows of a suite new to the file go last.
      const fresh = targetRows(freshBlocks.get('Targets'));
      const rerunOf = (line: string) => rerun.find((suite) => suites[suite]!.targetPrefixes.some((p) => line.startsWith(`| ${p}`)));
      const placed = new Set<string>();
      const rows = targetRows(block.text).flatMap((line) => {
        const suite = rerunOf(line);
        if (suite === undefined) return [line];
        if (placed.has(suite)) return [];
        placed.add(suite);
        return fresh.filter((row) => rerunOf(row) === suite);
      });
      rows.push(...fresh.filter((row) => !placed.has(rerunOf(row) ?? '')));
      others.push(['## Targets', '', '| target | measured | met |', '| --- | --- | --- |', ...rows].join('\n'));
      continue;
    }
    const suite = suiteOf.get(block.title);
    if (suite === undefined) others.push(block.text);
    else if (!rerunTitles.has(block.title)) {
      const run = sectionRun(block.text) ?? legacy.get(suite) ?? written;
      sections.set(suite, sectionRun(block.text) || !run ? block.text : withProvenance(block.text, provenanceLine(run)));
    }
  }
  for (const suite of rerun) {
    const text = freshBlocks.get(suites[suite]!.title);
    if (text !== undefined) sections.set(suite, text);
  }

  const ordered = order.filter((suite) => sections.has(suite));
  const reruns = ordered.flatMap((suite) => {
    const run = sectionRun(sections.get(suite)!);
    return run && written && run.started !== written.started ? [{ title: suites[suite]!.title, run }] : [];
  });
  const introText = written
    ? [intro.split('\n')[0]!.startsWith('# ') ? intro.split('\n')[0]! : '# Benchmark results', '', introduction(written, reruns)].join('\n')
    : intro;
  const out = [introText, ...others, ...ordered.map((suite) => sections.get(suite)!)];
  return `${out.join('\n\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
