/**
 * Progress on stderr (DESIGN.md §3): redrawn per-blob lines on a terminal, plain lines otherwise,
 * JSON lines with `--json`. Escape codes never reach a pipe or a log file.
 */
import type { BlobProgress } from '../image/types.ts';

/** A progress reporter for blob events. */
export interface ProgressReporter {
  onProgress(event: BlobProgress): void;
  /** Finishes the display (the last redraw stays on screen). */
  done(): void;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const LABEL: Record<BlobProgress['state'], string> = {
  started: 'copying',
  progress: 'copying',
  skipped: 'exists',
  mounted: 'mounted',
  done: 'done',
};

/**
 * Picks the reporter for this stderr: JSON lines, a redrawn display on a terminal, or plain lines.
 * log-update is loaded only for a terminal, so scripted runs do not pay for it.
 */
export async function createProgress(
  options: { json?: boolean; quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): Promise<ProgressReporter> {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { onProgress: () => {}, done: () => {} };
  if (options.json) {
    return {
      onProgress: (e) => stream.write(`${JSON.stringify({ event: 'blob', ...e })}\n`),
      done: () => {},
    };
  }
  if (stream.isTTY) {
    const { logUpdateStderr } = await import('log-update');
    const blobs = new Map<string, BlobProgress>();
    let last = 0;
    const draw = (): void => {
      const lines = [...blobs.values()].map(
        (b) =>
          `${short(b.digest)}  ${LABEL[b.state].padEnd(8)} ${bar(b.done, b.total)} ${human(b.done)} / ${human(b.total)}`,
      );
      logUpdateStderr(lines.join('\n'));
    };
    return {
      onProgress: (e) => {
        blobs.set(e.digest, e);
        const now = Date.now();
        if (e.state !== 'progress' || now - last > 100) {
          last = now;
          draw();
        }
      },
      done: () => {
        draw();
        logUpdateStderr.done();
      },
    };
  }
  return {
    onProgress: (e) => {
      if (e.state === 'progress') return;
      stream.write(`${LABEL[e.state]} ${e.digest} (${human(e.total)})\n`);
    },
    done: () => {},
  };
}
