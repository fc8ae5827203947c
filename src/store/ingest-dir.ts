/**
 * The layout's ingest folder (`.ocikit-ingest`), where blobs are written under temp names before
 * they are verified and renamed into `blobs/`. It exists only while something may be written into
 * it: each folder this process wrote into is removed as the process exits (its `exit` event, which
 * an interrupted command's `process.exit` emits too), so a layout written by ocikit holds only
 * what image-layout.md names, as skopeo leaves it.
 *
 * Several processes may share a layout. The folder is removed with rmdir(2), which fails while
 * another writer's temp file is in it; a writer whose folder was removed between making it and
 * creating its temp file (ENOENT) makes it again and retries.
 */
import { rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_DIR } from './blob-path.ts';
import { ensureRealDirectory } from './safe-file.ts';

/** How many times a create is retried after the folder vanished under it. */
const RETRIES = 16;

/** Options of {@link createInIngestDir}. */
export interface IngestDirOptions {
  /** The caller has just lstat'ed the folder: the first try does not make it. */
  present?: boolean;
  /** After an ENOENT: true when it is about something other than the folder (not retried). */
  otherCause?: () => Promise<boolean>;
}

/** Ingest folders this process has written into and not yet tidied. */
const written = new Set<string>();
let hooked = false;

/**
 * Runs `create(dir)` with `dir` = ROOT's ingest folder made a real folder first (unless
 * `options.present`). When `create` fails with ENOENT because the folder
 * was removed in between (another process tidied it), the folder is made again and `create` is
 * retried, up to a few times (so an ENOENT about anything else is thrown after the last try).
 */
export async function createInIngestDir<T>(
  root: string,
  create: (dir: string) => Promise<T>,
  options: IngestDirOptions = {},
): Promise<T> {
  const dir = join(root, INGEST_DIR);
  remember(dir);
  for (let attempt = 0; ; attempt++) {
    if (options.present !== true || attempt > 0) await ensureRealDirectory(dir);
    try {
      return await create(dir);
    } catch (err) {
      // Whether the folder is there now says nothing (another writer may have made it again
      // since): an ENOENT that persists, about something else, is thrown after the last try.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= RETRIES) throw err;
      if (options.otherCause !== undefined && (await options.otherCause())) throw err;
    }
  }
}

/**
 * Removes the ingest folders this process wrote into, each only if it is empty (rmdir: a folder
 * holding another writer's temp file stays, and so does anything that is not a folder). Runs on
 * the process's `exit` event, where only synchronous calls run; a handful of rmdirs take microseconds.
 */
function tidyIngestDirs(): void {
  for (const dir of written) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (another writer), already gone, or not a folder: left as it is.
    }
  }
  written.clear();
}

function remember(dir: string): void {
  written.add(dir);
  if (hooked) return;
  hooked = true;
  process.on('exit', tidyIngestDirs);
}
