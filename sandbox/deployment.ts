/**
 * A synthesized stack (`cdktf.out/stacks/<name>/cdk.tf.json`) "applied" in memory: locals,
 * `for_each` and `count` expanded, every expression evaluated with ./hcl, and the attributes a
 * real apply would only learn from AWS or Auth0 (ARNs, generated ids, secrets) supplied by a
 * `ComputedAttributes` callback. The sandbox reads roles, policies, clients and outputs from it,
 * so a change to a policy builder or a stack changes what the sandbox enforces with no edit here.
 */
import { evaluateDeep, evaluateTemplate, isLazy, resolved, type LazyValue, type Scope } from './hcl';

/** Terraform JSON as cdktf writes it. */
export type TerraformJson = Record<string, any>;

/** One instance of a resource or data source: its evaluated arguments plus computed attributes. */
export interface Instance {
  /** `aws_iam_role.server["web-01"]`, `data.aws_caller_identity.account`. */
  readonly address: string;
  readonly type: string;
  /** The logical name (`server`). */
  readonly name: string;
  /** The `for_each` key or `count` index; undefined for a single instance. */
  readonly key: string | number | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Attributes known only after apply, by resource type, given the instance's evaluated arguments.
 * Return undefined for a type the caller does not model: referencing one of its attributes that
 * is not an argument then fails with a clear message instead of inventing a value.
 */
export type ComputedAttributes = (instance: Omit<Instance, 'attributes'>, args: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined;

export interface DeploymentOptions {
  readonly computed: ComputedAttributes;
  /** The stack's directory (`path.module`: where asset paths are relative to). @default the working directory */
  readonly stackDir?: string;
  /** `data.terraform_remote_state.<name>.outputs`: the outputs of the stacks this one reads. */
  readonly remoteStates?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const META = new Set(['//', 'for_each', 'count', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection']);

function addressOf(prefix: string, name: string, key: string | number | undefined): string {
  return key === undefined ? `${prefix}.${name}` : `${prefix}.${name}[${JSON.stringify(key)}]`;
}

export class Deployment {
  private readonly locals = new Map<string, unknown>();
  private readonly instanceCache = new Map<string, Map<string | number, Instance> | Instance>();

  constructor(
    readonly json: TerraformJson,
    private readonly options: DeploymentOptions,
  ) {}

  /** The evaluated value of an output. */
  output(name: string): unknown {
    const output = this.json.output?.[name];
    if (!output) throw new Error(`the stack has no output ${name}`);
    return resolved(evaluateDeep(output.value, this.scope()));
  }

  /** Every output's evaluated value. */
  outputs(): Record<string, unknown> {
    return Object.fromEntries(Object.keys(this.json.output ?? {}).map((name) => [name, this.output(name)]));
  }

  /** Every instance of every resource of `type` (all logical names), in key order. */
  resources(type: string): Instance[] {
    return Object.keys(this.json.resource?.[type] ?? {}).flatMap((name) => this.instancesOf('resource', type, name));
  }

  /** Every instance of one resource block. */
  instancesOf(kind: 'resource' | 'data', type: string, name: string): Instance[] {
    const expanded = this.expand(kind, type, name);
    return expanded instanceof Map ? [...expanded.values()] : [expanded];
  }

  private scope(extra?: Record<string, unknown>): Scope {
    return (name) => {
      if (extra && name in extra) return extra[name];
      if (name === 'local') return this.localsValue();
      if (name === 'path') {
        const dir = this.options.stackDir ?? process.cwd();
        return { module: dir, root: dir, cwd: process.cwd() };
      }
      if (name === 'data') return this.dataValue();
      if (this.json.resource?.[name]) return this.typeValue('resource', name);
      return undefined;
    };
  }

  private localsValue(): LazyValue {
    const get = (step: string | number): unknown => {
      const key = String(step);
      if (!this.locals.has(key)) {
        const raw = this.json.locals?.[key];
        if (raw === undefined) return undefined;
        this.locals.set(key, evaluateDeep(raw, this.scope()));
      }
      return this.locals.get(key);
    };
    return { lazy: true, get, value: () => Object.fromEntries(Object.keys(this.json.locals ?? {}).map((k) => [k, get(k)])) };
  }

  private dataValue(): LazyValue {
    const get = (step: string | number): unknown => {
      const type = String(step);
      if (type === 'terraform_remote_state') {
        const states = this.options.remoteStates ?? {};
        return Object.fromEntries(Object.entries(states).map(([name, outputs]) => [name, { outputs }]));
      }
      return this.json.data?.[type] ? this.typeValue('data', type) : undefined;
    };
    return { lazy: true, get, value: () => Object.fromEntries(Object.keys(this.json.data ?? {}).map((t) => [t, get(t)])) };
  }

  private typeValue(kind: 'resource' | 'data', type: string): LazyValue {
    const blocks = (kind === 'resource' ? this.json.resource : this.json.data)?.[type] ?? {};
    const get = (step: string | number): unknown => {
      const name = String(step);
      if (!blocks[name]) return undefined;
      const expanded = this.expand(kind, type, name);
      if (!(expanded instanceof Map)) return this.instanceValue(expanded);
      const byKey: LazyValue = {
        lazy: true,
        get: (key) => {
          const instance = expanded.get(key) ?? expanded.get(String(key));
          return instance ? this.instanceValue(instance) : undefined;
        },
        value: () => Object.fromEntries([...expanded].map(([k, i]) => [String(k), i.attributes])),
      };
      return byKey;
    };
    return { lazy: true, get, value: () => Object.fromEntries(Object.keys(blocks).map((n) => [n, resolved(get(n))])) };
  }

  private instanceValue(instance: Instance): LazyValue {
    return {
      lazy: true,
      get: (step) => {
        const value = instance.attributes[String(step)];
        if (value === undefined) {
          throw new Error(`the sandbox does not model ${instance.address}.${String(step)} (${instance.type} has: ${Object.keys(instance.attributes).sort().join(', ')})`);
        }
        return value;
      },
      value: () => instance.attributes,
    };
  }

  private expand(kind: 'resource' | 'data', type: string, name: string): Map<string | number, Instance> | Instance {
    const cacheKey = `${kind}.${type}.${name}`;
    const cached = this.instanceCache.get(cacheKey);
    if (cached) return cached;
    const block = (kind === 'resource' ? this.json.resource : this.json.data)?.[type]?.[name];
    if (!block) throw new Error(`no ${kind} ${type}.${name} in the stack`);
    const prefix = kind === 'resource' ? type : `data.${type}`;
    const build = (key: string | number | undefined, extra?: Record<string, unknown>): Instance => {
      const args: Record<string, unknown> = {};
      for (const [attr, raw] of Object.entries(block)) {
        if (META.has(attr)) continue;
        args[attr] = resolved(evaluateDeep(raw, this.scope(extra)));
      }
      const base = { address: addressOf(prefix, name, key), type, name, key };
      const computed = this.options.computed(base, args);
      return { ...base, attributes: { ...args, ...computed } };
    };
    let result: Map<string | number, Instance> | Instance;
    if (block.for_each !== undefined) {
      let collection = evaluateTemplate(block.for_each, this.scope());
      if (isLazy(collection)) collection = collection.value();
      const pairs: Array<[string, unknown]> = Array.isArray(collection)
        ? collection.map((item) => [String(item), item])
        : Object.entries((collection ?? {}) as Record<string, unknown>);
      result = new Map(pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => [key, build(key, { each: { key, value } })]));
    } else if (block.count !== undefined) {
      const count = Number(typeof block.count === 'string' ? evaluateTemplate(block.count, this.scope()) : block.count);
      result = new Map(Array.from({ length: count }, (_, index) => [index, build(index, { count: { index } })]));
    } else {
      result = build(undefined);
    }
    this.instanceCache.set(cacheKey, result);
    return result;
  }
}
