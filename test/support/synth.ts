// Synthesizes cdktf stacks the way `cdktf synth` does (a real App writing cdk.tf.json and its
// assets into an out directory) and hands tests the parsed JSON.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing, type TerraformStack } from 'cdktf';

/** Terraform JSON as cdktf writes it; tests index into it freely. */
export type TerraformJson = Record<string, any>;

export interface SynthesizedApp {
  /** The out directory (`cdktf.out` equivalent); removed by `cleanup()`. */
  readonly outdir: string;
  /** `<outdir>/stacks/<name>/cdk.tf.json`, parsed. */
  stack(name: string): TerraformJson;
  /** The stack's directory, where Terraform would run and where asset paths are relative to. */
  stackDir(name: string): string;
  cleanup(): void;
}

/** Builds stacks on a fresh App in a temporary out directory, synthesizes it, and reads the result. */
export function synthApp(build: (app: App) => void): SynthesizedApp {
  const outdir = mkdtempSync(join(tmpdir(), 'oidc-s3-synth-'));
  const app = Testing.stubVersion(new App({ outdir, stackTraces: false }));
  build(app);
  app.synth();
  const stackDir = (name: string) => join(outdir, 'stacks', name);
  return {
    outdir,
    stackDir,
    stack: (name) => JSON.parse(readFileSync(join(stackDir(name), 'cdk.tf.json'), 'utf8')) as TerraformJson,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** One stack's JSON without writing files (no assets): for constructs and bindings. */
export function synthStack(stack: TerraformStack): TerraformJson {
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** The resources of one Terraform type in a synthesized stack, by logical id. */
export function resourcesOfType(json: TerraformJson, type: string): Record<string, TerraformJson> {
  return (json.resource?.[type] ?? {}) as Record<string, TerraformJson>;
}

/** The single resource of a type; fails loudly when there are none or several. */
export function onlyResource(json: TerraformJson, type: string): TerraformJson {
  const all = Object.values(resourcesOfType(json, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as TerraformJson;
}

/** Every string anywhere in a JSON value, for scans such as "no secret-looking values". */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

/** Every key anywhere in a JSON value. */
export function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...allKeys(inner)]);
  }
  return [];
}
