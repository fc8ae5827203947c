/** registries.conf's `credential-helpers`, read only when credentials are first looked for. */
import type { RegistriesConfTransportOptions } from './plan.ts';

/**
 * A loader of the `credential-helpers` list of the registries.conf that `options` select (default
 * `containers-auth.json`, the auth files). The configuration is read on the first call, so a
 * registry that never asks for credentials costs no read.
 */
export function credentialHelpersLoader(
  options: RegistriesConfTransportOptions,
): () => Promise<readonly string[]> {
  const wanted: RegistriesConfTransportOptions = {
    ...(options.registriesConf !== undefined ? { registriesConf: options.registriesConf } : {}),
    ...(options.registriesConfRoot !== undefined ? { registriesConfRoot: options.registriesConfRoot } : {}),
  };
  return async () => {
    const { loadForTransport } = await import('./plan.ts');
    return (await loadForTransport(wanted)).credentialHelpers;
  };
}
