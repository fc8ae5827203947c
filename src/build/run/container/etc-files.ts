/**
 * The files a step's container gets at /etc/hosts, /etc/hostname and /etc/resolv.conf: written
 * outside the root filesystem and bind-mounted read-only over it, so they are never part of a
 * layer (as BuildKit generates them for its build containers).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, OciError } from '../../../errors/index.ts';

/** The generated files on the host, by container path. */
export interface EtcFiles {
  readonly hosts: string;
  readonly hostname: string;
  readonly resolvConf: string;
}

/** Options of {@link writeEtcFiles}. */
export interface EtcOptions {
  readonly hostname: string;
  readonly extraHosts?: ReadonlyArray<{ readonly name: string; readonly address: string }>;
  /** Content for resolv.conf; default the host's own (empty when it has none). */
  readonly resolvConf?: string;
}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const ADDRESS = /^[0-9A-Fa-f.:]+$/;

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Writes the three files into `dir`. Host names and addresses are checked (INVALID_ARGUMENT),
 * since they become lines of a file other programs parse.
 */
export function writeEtcFiles(dir: string, options: EtcOptions): EtcFiles {
  const names = [options.hostname, ...(options.extraHosts ?? []).map((h) => h.name)];
  for (const name of names) {
    if (!NAME.test(name) || name.length > 253) {
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid host name ${JSON.stringify(name)}`, {
        data: { name },
      });
    }
  }
  for (const { address } of options.extraHosts ?? []) {
    if (!ADDRESS.test(address)) {
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid host address ${JSON.stringify(address)}`, {
        data: { address },
      });
    }
  }
  let hosts = `127.0.0.1\tlocalhost ${options.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
  for (const { name, address } of options.extraHosts ?? []) hosts += `${address}\t${name}\n`;
  const files: EtcFiles = {
    hosts: join(dir, 'hosts'),
    hostname: join(dir, 'hostname'),
    resolvConf: join(dir, 'resolv.conf'),
  };
  writeFileSync(files.hosts, hosts, { mode: 0o644 });
  writeFileSync(files.hostname, `${options.hostname}\n`, { mode: 0o644 });
  writeFileSync(files.resolvConf, options.resolvConf ?? hostResolvConf(), { mode: 0o644 });
  return files;
}
