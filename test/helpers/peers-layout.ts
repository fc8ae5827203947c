/** Helpers that build OCI layouts with real peer tools (umoci, skopeo) for layout tests. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a program, resolving with its stdout; rejects with its stderr in the message. */
export function run(program: string, args: string[], cwd?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { cwd, encoding: 'buffer', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${program} ${args.join(' ')} failed: ${stderr.toString()}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** A scratch folder removed by `cleanup`. */
export async function scratch(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(base, `ocikit-${prefix}-`)).catch(() =>
    mkdtemp(join(tmpdir(), `ocikit-${prefix}-`)),
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Makes a layout at `layout` holding image `tag` built by umoci: an empty image plus one layer
 * per entry of `files` (path inside the image → content).
 */
export async function umociImage(
  layout: string,
  tag: string,
  files: Record<string, string> = {},
): Promise<void> {
  await run('umoci', ['init', '--layout', layout]).catch(() => undefined);
  await run('umoci', ['new', '--image', `${layout}:${tag}`]);
  for (const [path, content] of Object.entries(files)) {
    const source = `${layout}.insert-${createHash('sha256').update(path).digest('hex').slice(0, 8)}`;
    await writeFile(source, content);
    await run('umoci', ['insert', '--image', `${layout}:${tag}`, source, path]);
    await rm(source, { force: true });
  }
}

/** `skopeo inspect --raw IMAGE`: the exact manifest bytes skopeo reads. */
export function skopeoRaw(image: string): Promise<Buffer> {
  return run('skopeo', ['inspect', '--raw', image]);
}

/** `skopeo copy [flags] SRC DST`. */
export async function skopeoCopy(source: string, destination: string, flags: string[] = []): Promise<void> {
  await run('skopeo', ['copy', '--quiet', ...flags, source, destination]);
}

/** sha256 digest string of some bytes. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
