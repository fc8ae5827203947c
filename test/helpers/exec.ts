/** Runs real peer programs (skopeo, umoci, runc, tar, ...) and fails loudly when they fail. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a program, returning stdout; throws with stderr when it exits non-zero. */
export async function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 256 << 20,
      encoding: 'utf8',
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Runs a program and returns raw stdout bytes. */
export async function runBuffer(
  file: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<Buffer> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      cwd: options.cwd,
      maxBuffer: 256 << 20,
      encoding: 'buffer',
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
  }
}
