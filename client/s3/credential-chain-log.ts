import { ClientError, CredentialError, firstLine, type ClientErrorCode } from '../errors';

/** The codes a failing `oidc-credential-provider` may end its stderr line with. */
const PROVIDER_CODES: ReadonlySet<string> = new Set<ClientErrorCode>([
  'CONFIG_INVALID',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'UNSAFE_PERMISSIONS',
  'IDP_UNAVAILABLE',
  'TOKEN_REJECTED',
  'TOKEN_RESPONSE_INVALID',
  'CREDENTIALS_UNAVAILABLE',
  'CREDENTIALS_REJECTED',
  'CREDENTIALS_RESPONSE_INVALID',
  'LOCK_TIMEOUT',
  'USAGE',
]);

/** The SDK's `Logger` shape (`@smithy/types`), without importing it. */
export interface SdkLogger {
  debug(...content: unknown[]): void;
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
}

/**
 * Why the AWS SDK's default credential chain found nothing. The chain reports only "Could not
 * load credentials from any providers"; each link's own failure goes to the client's logger at
 * debug level (`@smithy/property-provider -> <message>`), so this logger keeps those lines and
 * `explain` turns them into the credential provider's own code and message: a failing
 * credential_process's stderr (`oidc-credential-provider: … [IDP_UNAVAILABLE]`) is what the
 * operator needs, exactly as `aws s3 ls` would show it.
 */
export class CredentialChainLog {
  private readonly failures: string[] = [];

  readonly logger: SdkLogger = {
    debug: (...content) => {
      const text = content.map(String).join(' ');
      const match = /^@smithy\/property-provider (?:->|\(!\)) ([\s\S]*)$/.exec(text);
      if (match) this.failures.push(match[1]!);
    },
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };

  /** The error to show for a CredentialsProviderError, or undefined when `error` is another kind. */
  explain(error: unknown): ClientError | undefined {
    if ((error as { name?: string })?.name !== 'CredentialsProviderError') return undefined;
    const processFailure = [...this.failures].reverse().find((m) => m.startsWith('Command failed:') || /credential_process/.test(m));
    if (processFailure) {
      const lines = processFailure.split('\n').map((l) => l.trim()).filter(Boolean);
      const stderr = lines.slice(processFailure.startsWith('Command failed:') ? 1 : 0);
      for (const line of [...stderr].reverse()) {
        const coded = /^(?:[\w.-]+: )?(.*) \[([A-Z0-9_]+)\]$/.exec(line);
        if (coded && PROVIDER_CODES.has(coded[2]!)) {
          return new CredentialError(coded[2] as ClientErrorCode, `credential_process failed: ${firstLine(coded[1]!, 400)}`);
        }
      }
      const detail = stderr.length > 0 ? stderr[stderr.length - 1]! : lines[0]!;
      return new CredentialError('CREDENTIALS_UNAVAILABLE', `credential_process failed: ${firstLine(detail, 400)}`);
    }
    const last = this.failures.filter((m) => !/skipping|Skipping|not specified|disabled|Could not load credentials from any providers/.test(m)).pop();
    return new CredentialError(
      'CREDENTIALS_UNAVAILABLE',
      `no AWS credentials: the SDK's default chain found none${last ? ` (last: ${firstLine(last)})` : ''}; ` +
        'set AWS_PROFILE to a profile whose credential_process runs oidc-credential-provider get-credentials (docs/INSTALL.md)',
    );
  }
}
