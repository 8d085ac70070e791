// Reading a gateway Lambda's settings from its environment: every problem collected, one error.

export type LambdaEnvironment = Readonly<Record<string, string | undefined>>;

export class SettingsReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: LambdaEnvironment) {}

  /** The trimmed value; records "<NAME> is not set" when it is missing or blank. */
  required(name: string): string {
    const value = this.env[name]?.trim();
    if (!value) this.problems.push(`${name} is not set`);
    return value ?? '';
  }

  /** "auth0" or "cognito" from IDENTITY_PROVIDER. */
  identityProvider(): 'auth0' | 'cognito' {
    const value = this.required('IDENTITY_PROVIDER');
    if (value && value !== 'auth0' && value !== 'cognito') this.problem(`IDENTITY_PROVIDER must be auth0 or cognito, got ${JSON.stringify(value)}`);
    return value as 'auth0' | 'cognito';
  }

  problem(text: string): void {
    this.problems.push(text);
  }

  /** Throws `invalid configuration: <problem>; <problem>…` when any was recorded. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new Error(`invalid configuration: ${this.problems.join('; ')}`);
  }
}
