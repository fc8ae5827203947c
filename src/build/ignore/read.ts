/** Finding and reading the ignore file of a build. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { parseIgnoreFile } from './parse.ts';

/**
 * The ignore patterns of a build, by BuildKit's rule: `<Dockerfile>.dockerignore` beside the
 * Dockerfile if it exists (even empty), otherwise `.dockerignore` at the root of `contextDir`,
 * otherwise none. `dockerfilePath` is absolute or relative to the current directory (as `-f`
 * is); it defaults to `Dockerfile` in the context. A file that exists but cannot be read is an
 * `IO_ERROR` OciError (`data.path`), so that a build never runs with its exclusions silently
 * dropped.
 */
export async function readIgnorePatterns(contextDir: string, dockerfilePath?: string): Promise<string[]> {
  const dockerfile = dockerfilePath === undefined ? join(contextDir, 'Dockerfile') : resolve(dockerfilePath);
  for (const candidate of [`${dockerfile}.dockerignore`, join(contextDir, '.dockerignore')]) {
    const text = await readIfPresent(candidate);
    if (text !== undefined) return parseIgnoreFile(text);
  }
  return [];
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OciError(ErrorCode.IO_ERROR, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
      data: { path },
    });
  }
}
