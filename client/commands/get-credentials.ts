import { writeStdout } from '../cli/stdout';
import { loadProviderConfig } from '../config/provider-config';
import { forConsumers, toCredentialProcessJson } from '../credentials/aws-credentials';
import { OidcCredentialProvider } from '../credentials/credential-provider';
import type { Command } from './command';
import { GET_CREDENTIALS } from './specs';

/** `get-credentials`: the credential_process JSON on stdout, and nothing else there. */
export const getCredentials: Command = {
  ...GET_CREDENTIALS,
  async run({ env, warn }) {
    const provider = new OidcCredentialProvider(loadProviderConfig(env), { warn, cacheOptional: true });
    const credentials = await provider.getCredentials();
    // Expiration on this host's clock, however far it is off the issuer's (see forConsumers).
    writeStdout(`${JSON.stringify(toCredentialProcessJson(forConsumers(credentials, provider.clock)))}\n`);
    return 0;
  },
};
