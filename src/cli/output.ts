/** Writing command results: data to stdout (exact bytes or JSON), never progress or logs. */

let stdoutGone = false;

/**
 * Watches stdout for a reader that went away (`ocikit export IMG - | head`): the EPIPE that follows
 * marks the output closed and calls `onClosed` (which stops the command), instead of crashing the
 * process with an unhandled stream error. Errors on stderr are dropped: there is nowhere left to
 * report them. Other stdout errors reach the write that caused them.
 */
export function watchOutput(onClosed: () => void): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' || stdoutGone) return;
    stdoutGone = true;
    onClosed();
  });
  process.stderr.on('error', () => {});
}

/** True once the reader of stdout has closed it: the output ends there, quietly, as for `head`. */
export function outputClosed(): boolean {
  return stdoutGone;
}

/** Writes exact bytes to stdout (e.g. a raw manifest), waiting until they are flushed. */
export function writeBytes(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

// C0 controls except tab and newline, DEL, and C1 controls (0x80-0x9f, e.g. the 8-bit CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Makes text from images and registries safe for a terminal: control characters become visible
 * `\xNN` escapes, so a hostile label or ref name cannot retitle, repaint or write the clipboard.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Writes a line of text to stdout, control characters escaped (raw bytes go through {@link writeBytes}). */
export function writeLine(text: string): Promise<void> {
  return writeBytes(Buffer.from(`${terminalSafe(text)}\n`));
}

/**
 * Writes a value as indented JSON to stdout: valid JSON that gives back the exact strings, and safe
 * on a terminal (JSON.stringify escapes C0 controls; DEL and C1 controls become `\u00XX` here).
 */
export function writeJson(value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return writeBytes(Buffer.from(`${text}\n`));
}

/** Writes a log line to stderr. */
export function log(text: string): void {
  process.stderr.write(`${terminalSafe(text)}\n`);
}
