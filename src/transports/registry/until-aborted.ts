/**
 * One caller's wait on a promise shared by several: the shared work runs without any caller's
 * signal, and each caller stops waiting (ABORTED) when its own signal aborts.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';

/** `shared`, or a rejection with ABORTED as soon as `signal` aborts (the shared work goes on). */
export function untilAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return shared;
  const aborted = () => new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: signal.reason });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
