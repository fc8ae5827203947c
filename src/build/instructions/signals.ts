/** STOPSIGNAL values as BuildKit checks them: a signal number, or a Linux signal name with or without `SIG`. */
import { constants } from 'node:os';
import { ErrorCode, OciError } from '../../errors/index.ts';

const REALTIME = /^RTMIN(?:\+([0-9]+))?$|^RTMAX(?:-([0-9]+))?$/;

/** Throws INVALID_ARGUMENT unless `signal` names a signal (`SIGTERM`, `term`, `9`, `SIGRTMIN+3`). */
export function checkSignal(signal: string): void {
  if (/^[0-9]+$/.test(signal) && Number(signal) > 0 && Number(signal) < 65) return;
  const name = signal.toUpperCase().replace(/^SIG/, '');
  if (`SIG${name}` in constants.signals || REALTIME.test(name)) return;
  throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid signal: ${signal}`, { data: { signal } });
}
