/**
 * Running the `gpg` binary: input on stdin, output and the machine-readable status lines
 * (`--status-fd 3`) collected with a size cap, the exit code reported, never a shell.
 */
import { spawn } from 'node:child_process';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** What one gpg run produced. */
export interface GpgOutput {
  code: number;
  stdout: Buffer;
  /** The `[GNUPG:] …` status lines, without that prefix. */
  status: string[];
  stderr: string;
}

/** The flags every run gets: no terminal, no network key look-ups, no trust database questions. */
const BASE_FLAGS = [
  '--batch',
  '--no-tty',
  '--no-auto-key-retrieve',
  '--no-auto-key-locate',
  '--trust-model',
  'always',
  '--status-fd',
  '3',
];

/** The file descriptor a `passphrase` is handed to gpg on (`--passphrase-fd`), never the command line. */
export const PASSPHRASE_FD = 4;

/**
 * Runs `gpg [--homedir HOME] …args` with `input` on stdin, and `passphrase` (when given) on file
 * descriptor {@link PASSPHRASE_FD}. UNSUPPORTED when gpg is not installed; TOO_LARGE when it
 * writes more than `maxOutput` bytes (it is then killed).
 */
export function runGpg(
  args: string[],
  input: Uint8Array,
  options: { homedir?: string; maxOutput?: number; env?: NodeJS.ProcessEnv; passphrase?: string } = {},
): Promise<GpgOutput> {
  const maxOutput = options.maxOutput ?? 4 * 1024 * 1024;
  const flags = [...(options.homedir !== undefined ? ['--homedir', options.homedir] : []), ...BASE_FLAGS];
  return new Promise((resolve, reject) => {
    const child = spawn('gpg', [...flags, ...args], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', options.passphrase !== undefined ? 'pipe' : 'ignore'],
      env: { ...process.env, ...options.env, LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const status: Buffer[] = [];
    let size = 0;
    let overflow = false;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxOutput * 2) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', collect(status));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new OciError(
              ErrorCode.UNSUPPORTED,
              'GPG signatures need the gpg program, which is not installed',
              {
                cause: e,
              },
            )
          : new OciError(ErrorCode.IO_ERROR, `gpg could not run: ${e.message}`, { cause: e }),
      );
    });
    child.stdin?.on('error', () => {
      // gpg may exit before reading all its input (a malformed packet); the exit code says why.
    });
    child.on('close', (code) => {
      if (overflow) {
        reject(
          new OciError(ErrorCode.TOO_LARGE, `gpg wrote more than ${maxOutput} bytes`, {
            data: { reason: 'too-large' },
          }),
        );
        return;
      }
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
        status: Buffer.concat(status)
          .toString('utf8')
          .split('\n')
          .filter((l) => l.startsWith('[GNUPG:] '))
          .map((l) => l.slice('[GNUPG:] '.length)),
      });
    });
    const passphraseStream = child.stdio[PASSPHRASE_FD] as NodeJS.WritableStream | null;
    passphraseStream?.on('error', () => {
      // gpg may exit without reading the passphrase; its exit code says why.
    });
    passphraseStream?.end(`${options.passphrase}\n`);
    child.stdin?.end(input);
  });
}

/** The last meaningful line of gpg's stderr, for messages. */
export function gpgMessage(output: GpgOutput): string {
  const lines = output.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return (lines.at(-1) ?? `exit code ${output.code}`).slice(0, 300);
}
