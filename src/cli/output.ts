/** Writing command results: data to stdout (exact bytes or JSON), never progress or logs. */

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

/** Writes a value as indented JSON to stdout. */
export function writeJson(value: unknown): Promise<void> {
  return writeLine(JSON.stringify(value, null, 2));
}

/** Writes a log line to stderr. */
export function log(text: string): void {
  process.stderr.write(`${terminalSafe(text)}\n`);
}
