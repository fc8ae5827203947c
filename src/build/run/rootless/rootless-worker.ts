/**
 * The rootless step worker: started by rootless-step.ts inside a user and mount namespace where
 * it is root (the building user as 0, its subordinate ids as 1…N), it runs the step with the
 * ordinary executor (overlay where the kernel allows it in a user namespace, else a snapshot;
 * runc; owners as the container sees them) and hands the layer back through the exchange folder.
 * Not an API: only the parent speaks its protocol (protocol.ts).
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../../../digest/index.ts';
import { ErrorCode, toOciError } from '../../../errors/index.ts';
import { runStep } from '../run-step.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

function send(message: FromWorker): void {
  process.send?.(message);
}

const controller = new AbortController();
const waiting = new Map<number, (reply: Extract<ToWorker, { t: 'opened' }>) => void>();
let nextReq = 0;

/** Asks the parent for lower layer `index` as a file, and opens it (the file goes once read). */
function openLayer(index: number): Promise<Readable> {
  const req = nextReq++;
  return new Promise((resolve, reject) => {
    waiting.set(req, (reply) => {
      if (reply.path === undefined) {
        reject(toOciError(new Error(reply.error ?? 'the layer could not be read'), ErrorCode.IO_ERROR));
        return;
      }
      const path = reply.path;
      const stream = createReadStream(path);
      stream.on('close', () => rmSync(path, { force: true }));
      resolve(stream);
    });
    send({ t: 'open', req, index });
  });
}

async function start(message: Extract<ToWorker, { t: 'start' }>): Promise<void> {
  try {
    let tarPath: string | undefined;
    const result = await runStep<string>({
      ...message.options,
      // Overlay in a user namespace keeps its markers in user.overlay.* xattrs (mount option
      // userxattr), which the shared layer cache, written for a root overlay, does not carry:
      // the snapshot comparison gives the same layer without depending on that.
      capture: 'snapshot',
      runc: { ...message.options.runc, root: message.options.runc?.root ?? join(message.exchange, 'runc') },
      layers: message.diffIds.map((diffId, index) => ({
        diffId: diffId as Digest,
        open: () => openLayer(index),
      })),
      onOutput: (chunk, stream) => send({ t: 'output', stream, data: chunk.toString('base64') }),
      onWarning: (warning) => send({ t: 'warning', message: warning }),
      writeLayer: async (tar, io) => {
        tarPath = join(message.exchange, 'layer.tar');
        await pipeline(tar, createWriteStream(tarPath), io);
        return tarPath;
      },
      signal: controller.signal,
    });
    send({
      t: 'done',
      ...(tarPath !== undefined ? { tar: tarPath } : {}),
      entries: result.entries,
      method: result.method,
      user: result.user,
    });
  } catch (err) {
    const error = toOciError(err);
    send({ t: 'failed', error: { code: error.code, message: error.message, data: portable(error.data) } });
  } finally {
    process.disconnect?.();
  }
}

/** The JSON-safe part of an error's data. */
function portable(data: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

process.on('message', (message: ToWorker) => {
  if (message.t === 'start') void start(message);
  else if (message.t === 'opened') {
    waiting.get(message.req)?.(message);
    waiting.delete(message.req);
  } else if (message.t === 'abort') controller.abort();
});
