/**
 * A host name for registries on 127.0.0.1 that is not a loopback name, so clients treat it as
 * they treat any remote registry (HTTPS by default, certs.d lookups by name). It is mapped in
 * /etc/hosts (`scripts/install-peers.sh` adds the line; this adds it when missing and writable).
 */

import { lookup } from 'node:dns/promises';
import { appendFile, readFile } from 'node:fs/promises';

/** The test registry host name; it resolves to 127.0.0.1. */
export const TEST_REGISTRY_HOSTNAME = 'registry.ocikit.test';

async function resolvesToLoopback(name: string): Promise<boolean> {
  try {
    return (await lookup(name, { family: 4 })).address === '127.0.0.1';
  } catch {
    return false;
  }
}

/** Makes sure {@link TEST_REGISTRY_HOSTNAME} resolves to 127.0.0.1; throws with the fix when it cannot. */
export async function ensureTestHostname(): Promise<string> {
  if (await resolvesToLoopback(TEST_REGISTRY_HOSTNAME)) return TEST_REGISTRY_HOSTNAME;
  try {
    const hosts = await readFile('/etc/hosts', 'utf8');
    await appendFile(
      '/etc/hosts',
      `${hosts.endsWith('\n') ? '' : '\n'}127.0.0.1 ${TEST_REGISTRY_HOSTNAME}\n`,
    );
  } catch {
    // Reported below.
  }
  if (await resolvesToLoopback(TEST_REGISTRY_HOSTNAME)) return TEST_REGISTRY_HOSTNAME;
  throw new Error(
    `${TEST_REGISTRY_HOSTNAME} does not resolve to 127.0.0.1: add "127.0.0.1 ${TEST_REGISTRY_HOSTNAME}" to /etc/hosts (scripts/install-peers.sh does)`,
  );
}
