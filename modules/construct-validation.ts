import { Token } from 'cdktf';
import type { Rule } from '../config/rules';
import { plainString } from './token-markers';

/** A value known only at apply time; strings that cannot hold a token are answered without a tokenizer (thousands of servers). */
function unresolved(value: unknown): boolean {
  return !(typeof value === 'string' && plainString(value)) && Token.isUnresolved(value);
}

/** Thrown at synth time when a construct receives values AWS or Auth0 would reject. */
export class ConstructConfigError extends Error {
  public readonly code = 'INVALID_CONSTRUCT_CONFIG';

  public constructor(
    public readonly construct: string,
    public readonly problems: readonly string[],
  ) {
    super(`${construct}: ${problems.length} invalid setting(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConstructConfigError';
  }
}

/**
 * Collects every problem of one construct's props, so synth reports them all at once. Values that
 * are still Terraform tokens are known only at apply time and are not checked.
 */
export class SettingChecks {
  private readonly problems: string[] = [];

  public constructor(private readonly construct: string) {}

  /** Records `<setting> is <value>; allowed: <allowed>; fix: <fix>` when `ok` is false. */
  public require(ok: boolean, setting: string, value: unknown, allowed: string, fix: string): this {
    if (!ok) this.problems.push(`${setting} is ${JSON.stringify(value)}; allowed: ${allowed}; fix: ${fix}`);
    return this;
  }

  public integerInRange(setting: string, value: number | undefined, min: number, max: number, fix: string): this {
    if (value === undefined || unresolved(value)) return this;
    return this.require(Number.isInteger(value) && value >= min && value <= max, setting, value, `a whole number from ${min} to ${max}`, fix);
  }

  public matches(setting: string, value: string | undefined, pattern: RegExp, allowed: string, fix: string): this {
    if (value === undefined || unresolved(value)) return this;
    return this.require(pattern.test(value), setting, value, allowed, fix);
  }

  /**
   * Records the problem `rule` finds with `value`. The rule functions of config/rules are the
   * ones the config schema uses, so a construct and the schema give the same verdict.
   */
  public follows<T>(setting: string, value: T | undefined, rule: Rule<T>, fix: string): this {
    if (value === undefined || unresolved(value)) return this;
    const broken = rule(value);
    return this.require(broken === undefined, setting, value, broken ?? '', fix);
  }

  public oneOf<T>(setting: string, value: T | undefined, allowed: readonly T[], fix: string): this {
    if (value === undefined || unresolved(value)) return this;
    return this.require(allowed.includes(value), setting, value, `one of ${allowed.join(', ')}`, fix);
  }

  public throwIfAny(): void {
    if (this.problems.length > 0) throw new ConstructConfigError(this.construct, this.problems);
  }
}
