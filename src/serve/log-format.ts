/** The request log line, as text or JSON (no credentials are ever in an entry). */
import type { RequestLog } from './options.ts';

/** One log line for `entry`: JSON, or `TIME METHOD PATH STATUS BYTES MSms [USER]`. */
export function formatLogLine(entry: RequestLog, json: boolean): string {
  if (json) return JSON.stringify(entry);
  const user = entry.user === undefined ? '' : ` ${entry.user}`;
  return `${entry.time} ${entry.method} ${entry.path} ${entry.status} ${entry.bytes} ${entry.ms.toFixed(1)}ms${user}`;
}
