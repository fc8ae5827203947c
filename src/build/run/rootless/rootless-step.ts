/**
 * A RUN step for a building user that is not root (issue "Build II", item 5): the step runs in a
 * worker process inside a user and mount namespace made by util-linux `unshare`, where the user
 * is root and its subordinate ids (id-ranges.ts, installed with `newuidmap`/`newgidmap`) are
 * ids 1…N. Inside, the ordinary executor works unchanged: layers unpack with their owners (as
 * the host sees them, shifted into the subordinate range), the overlay mounts where the kernel
 * permits it in a user namespace, and runc runs the container in that namespace. Owners read off
 * the upper directory are the container's own, so the layer equals the one a root build makes.
 * Lower layers reach the worker, and the new layer comes back, as files in a private exchange
 * folder; the step's output and warnings stream over the IPC channel.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { spoolLayer } from '../output.ts';
import type { RunStepOptions, RunStepResult, SpooledRunLayer } from '../types.ts';
import { rootlessMappings } from './id-ranges.ts';
import type { FromWorker, PortableError, PortableOptions, ToWorker } from './protocol.ts';
import { unshareArgs } from './unshare.ts';

/**
 * The worker's module, beside this one with this one's extension: `.ts` from the sources, `.js`
 * once compiled, and in the bundled command the `rootless-worker.mjs` entry beside the chunk
 * (scripts/bundle-cli.ts).
 */
function workerPath(): string {
  const self = fileURLToPath(import.meta.url);
  return join(self, '..', `rootless-worker${extname(self)}`);
}

/** This process's Node flags, less the test runner's (a worker is no test). */
function nodeFlags(): string[] {
  return process.execArgv.filter((flag) => !flag.startsWith('--test'));
}

function revive(error: PortableError): OciError {
  const code = (Object.values(ErrorCode) as string[]).includes(error.code)
    ? (error.code as ErrorCode)
    : ErrorCode.IO_ERROR;
  return new OciError(code, error.message, { data: error.data });
}

/**
 * Runs `options`'s step as a non-root user (see the module comment); same contract as runStep.
 * Fails with UNSUPPORTED when the user has no subordinate ids or the kernel refuses an
 * unprivileged user namespace (the message says which).
 */
export async function rootlessStep<L = SpooledRunLayer>(
  options: RunStepOptions<L>,
): Promise<RunStepResult<L>> {
  options.signal?.throwIfAborted();
  const mappings = options.idMappings ?? rootlessMappings();
  const args = unshareArgs(mappings);
  const exchange = mkdtempSync(join(tmpdir(), 'ocikit-rootless-'));
  const { layers, onOutput, onWarning, writeLayer, signal, idMappings: _mappings, ...portable } = options;
  const ported: PortableOptions = portable;
  const stderr: Buffer[] = [];
  let tarPath: string | undefined;
  try {
    const done = await new Promise<Extract<FromWorker, { t: 'done' }>>((resolve, reject) => {
      const child = spawn('unshare', [...args, '--', process.execPath, ...nodeFlags(), workerPath()], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let settled: Extract<FromWorker, { t: 'done' }> | OciError | undefined;
      // A failed send (the worker or unshare already gone) is not the step's error: 'close' says
      // why it ended. With a callback, Node reports it there instead of as an 'error' event.
      const tell = (message: ToWorker): void => {
        if (child.connected) child.send(message, () => {});
      };
      const onAbort = (): void => tell({ t: 'abort' });
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderr.length < 64) stderr.push(chunk);
      });
      child.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ENOENT' || err.code === 'EACCES'
            ? new OciError(ErrorCode.UNSUPPORTED, `rootless RUN needs util-linux unshare: ${err.message}`)
            : new OciError(ErrorCode.IO_ERROR, `the rootless step worker failed: ${err.message}`),
        ),
      );
      child.on('message', (message: FromWorker) => {
        if (message.t === 'open') {
          const path = join(exchange, `lower-${message.req}`);
          const layer = layers[message.index];
          if (layer === undefined) {
            tell({ t: 'opened', req: message.req, error: `no lower layer ${message.index}` });
            return;
          }
          layer
            .open(signal !== undefined ? { signal } : {})
            .then((blob) => pipeline(blob, createWriteStream(path, { mode: 0o600 })))
            .then(
              () => tell({ t: 'opened', req: message.req, path }),
              (err: unknown) => tell({ t: 'opened', req: message.req, error: (err as Error).message }),
            );
        } else if (message.t === 'output') onOutput?.(Buffer.from(message.data, 'base64'), message.stream);
        else if (message.t === 'warning') onWarning?.(message.message);
        else if (message.t === 'done') settled = message;
        else if (message.t === 'failed') settled = revive(message.error);
      });
      child.on('close', (code) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled instanceof OciError) reject(settled);
        else if (settled !== undefined) resolve(settled);
        else reject(namespaceFailure(code, Buffer.concat(stderr).toString('utf8')));
      });
      child.once('spawn', () =>
        tell({ t: 'start', options: ported, diffIds: layers.map((l) => l.diffId), exchange }),
      );
    });
    tarPath = done.tar;
    let layer: L | undefined;
    if (tarPath !== undefined) {
      const io = signal !== undefined ? { signal } : {};
      if (writeLayer !== undefined) layer = await writeLayer(createReadStream(tarPath), io);
      else layer = (await spoolLayer(createReadStream(tarPath), join(options.cacheRoot, 'tmp'), signal)) as L;
    }
    return {
      ...(layer !== undefined ? { layer } : {}),
      entries: done.entries,
      method: done.method,
      user: { uid: done.user.uid, gid: done.user.gid, additionalGids: [...done.user.additionalGids] },
    };
  } finally {
    rmSync(exchange, { recursive: true, force: true });
  }
}

/** The error for a worker that ended without an answer: most often a refused user namespace. */
function namespaceFailure(code: number | null, stderr: string): OciError {
  const text = stderr.trim();
  if (/unshare|newuidmap|newgidmap|uid_map|gid_map/.test(text)) {
    return new OciError(
      ErrorCode.UNSUPPORTED,
      `rootless RUN could not make a user namespace (the kernel or newuidmap/newgidmap refused it): ${text}`,
      { data: { status: code } },
    );
  }
  return new OciError(
    ErrorCode.IO_ERROR,
    `the rootless step worker ended without a result (status ${code}): ${text}`,
    {
      data: { status: code },
    },
  );
}
