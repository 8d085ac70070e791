/**
 * trivy's Terraform misconfiguration checks on synthesized stacks (tools/trivy-iac): every
 * failed check is a problem unless scripts/trivy-suppressions.ts lists it with the reason.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHcl, type SchemaIndex } from './hcl-render';
import { run, type StackInfo } from './terraform-check';
import { TRIVY_SUPPRESSIONS, type TrivySuppression } from './trivy-suppressions';

/** One failed check, as trivy flattens it (pkg/iac/scan/flat.go), with the stack it was found in. */
export interface TrivyFinding {
  readonly environment: string;
  readonly stack: string;
  readonly ruleId: string;
  readonly longId: string;
  readonly severity: string;
  readonly summary: string;
  readonly resource: string;
  readonly resolution: string;
  readonly line: number;
}

interface FlatResult {
  readonly path: string;
  readonly id: string;
  readonly long_id: string;
  readonly rule_description: string;
  readonly severity: string;
  readonly resource: string;
  readonly resolution: string;
  readonly location: { readonly filename: string; readonly start_line: number };
}

/**
 * Scans each stack's configuration, rendered as native HCL with the providers' schemas
 * (scripts/hcl-render.ts: trivy misreads nested blocks in *.tf.json), in its own directory under
 * `workDir`, and returns trivy's failed checks. Throws when rendering or trivy-iac fails.
 */
export async function trivyFindings(trivy: string, environment: string, stacks: readonly StackInfo[], schemas: SchemaIndex, workDir: string): Promise<TrivyFinding[]> {
  if (stacks.length === 0) return [];
  const dirs = stacks.map((stack) => {
    const dir = join(workDir, stack.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), renderHcl(stack.json, schemas));
    return dir;
  });
  const result = await run(trivy, dirs, { cwd: workDir });
  if (result.code !== 0) throw new Error(`trivy-iac failed (exit ${result.code}): ${result.stderr.trim().slice(0, 2000)}`);
  const stackOf = new Map(dirs.map((dir, i) => [dir, stacks[i]!.name]));
  return (JSON.parse(result.stdout) as FlatResult[]).map((r) => ({
    environment,
    stack: stackOf.get(r.path) ?? r.path,
    ruleId: r.id,
    longId: r.long_id,
    severity: r.severity,
    summary: r.rule_description,
    resource: r.resource,
    resolution: r.resolution,
    line: r.location.start_line,
  }));
}

/** The suppression that explains a finding in an environment with these foundation settings, if any. */
export function suppressionFor(finding: TrivyFinding, foundation: Readonly<Record<string, unknown>>, suppressions: readonly TrivySuppression[] = TRIVY_SUPPRESSIONS): TrivySuppression | undefined {
  return suppressions.find((s) => s.ruleId === finding.ruleId && s.resource.test(finding.resource) && (s.when === undefined || s.when(foundation)));
}

/** Problems for findings no suppression explains, one line each naming the check, the resource and trivy's resolution. */
export function unexplainedFindings(findings: readonly TrivyFinding[], foundation: Readonly<Record<string, unknown>>): string[] {
  return findings
    .filter((finding) => !suppressionFor(finding, foundation))
    .map((f) => `trivy ${f.ruleId} (${f.severity}) ${f.summary}: ${f.environment}/${f.stack} ${f.resource} (main.tf:${f.line}); ${f.resolution}`);
}
