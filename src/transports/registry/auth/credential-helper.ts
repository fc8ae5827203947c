/**
 * Docker credential helpers: the program `docker-credential-<name>` found on PATH, spoken to
 * with one action argument and a payload on stdin (`get` and `erase` take the server URL,
 * `store` takes `{ServerURL, Username, Secret}` as JSON; `get` answers with the same JSON).
 */
import { spawn } from 'node:child_process';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { CREDENTIAL_HELPER_NAME } from '../conf/types.ts';
import { type Credential, credentialFrom } from './credentials.ts';

/** Options for running helper programs. */
export interface HelperOptions {
  /** Environment (and so PATH) the helper runs with; default `process.env`. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

const OUTPUT_LIMIT = 1024 * 1024;

/** The helper's answer when it holds nothing for the server (Docker's `credentials not found` text). */
function isNotFound(text: string): boolean {
  return /credentials not found/i.test(text);
}

interface HelperResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The program name for helper `name`; names that could reach outside PATH are refused. */
export function helperProgram(name: string): string {
  if (!CREDENTIAL_HELPER_NAME.test(name)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid credential helper name ${JSON.stringify(name)}`, {
      data: { helper: name },
    });
  }
  return `docker-credential-${name}`;
}

function runHelper(
  name: string,
  action: string,
  input: string,
  options: HelperOptions,
): Promise<HelperResult> {
  const program = helperProgram(name);
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], {
      env: (options.env ?? process.env) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= OUTPUT_LIMIT) into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') {
        reject(new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: error }));
      } else if (error.code === 'ENOENT') {
        reject(
          new OciError(
            ErrorCode.NOT_FOUND,
            `credential helper ${program} is not installed (not found on PATH)`,
            {
              data: { helper: name },
            },
          ),
        );
      } else {
        reject(
          new OciError(ErrorCode.IO_ERROR, `cannot run credential helper ${program}`, {
            data: { helper: name },
          }),
        );
      }
    });
    child.stdin.on('error', () => {
      // A helper that exits without reading stdin is judged by its exit status.
    });
    child.on('close', (code) => {
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.end(input);
  });
}

/** A short, secret-free summary of a helper's failure output. */
function failureText(result: HelperResult, secrets: readonly string[]): string {
  let text = (result.stderr.trim() || result.stdout.trim()).slice(0, 300);
  for (const secret of secrets) if (secret !== '') text = text.split(secret).join('***');
  return text === '' ? `exit status ${result.code}` : text;
}

function helperFailed(name: string, action: string, detail: string): OciError {
  return new OciError(
    ErrorCode.IO_ERROR,
    `credential helper docker-credential-${name} ${action} failed: ${detail}`,
    {
      data: { helper: name, action },
    },
  );
}

/** Asks helper `name` for the credential of `serverUrl`; undefined when it has none. */
export async function helperGet(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<Credential | undefined> {
  const result = await runHelper(name, 'get', serverUrl, options);
  if (result.code !== 0) {
    if (isNotFound(result.stdout) || isNotFound(result.stderr)) return undefined;
    throw helperFailed(name, 'get', failureText(result, []));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw helperFailed(name, 'get', 'its answer is not JSON');
  }
  const { Username: user, Secret: secret } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof user !== 'string' || typeof secret !== 'string') {
    throw helperFailed(name, 'get', 'its answer lacks a string Username and Secret');
  }
  if (user === '' && secret === '') return undefined;
  return credentialFrom(user, secret);
}

/** Saves `user`/`secret` for `serverUrl` in helper `name`. */
export async function helperStore(
  name: string,
  serverUrl: string,
  user: string,
  secret: string,
  options: HelperOptions = {},
): Promise<void> {
  const payload = JSON.stringify({ ServerURL: serverUrl, Username: user, Secret: secret });
  const result = await runHelper(name, 'store', payload, options);
  if (result.code !== 0) throw helperFailed(name, 'store', failureText(result, [secret]));
}

/** Removes what helper `name` holds for `serverUrl`; resolves false when it held nothing. */
export async function helperErase(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<boolean> {
  const result = await runHelper(name, 'erase', serverUrl, options);
  if (result.code === 0) return true;
  if (isNotFound(result.stdout) || isNotFound(result.stderr)) return false;
  throw helperFailed(name, 'erase', failureText(result, []));
}
