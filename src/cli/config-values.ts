/**
 * Checking the values `mutate` writes into an image config (config.md "config"), so a typo fails
 * as a usage error instead of becoming an image no runtime can use.
 */
import { UsageError } from './run.ts';

const PROTOCOLS = ['tcp', 'udp', 'sctp'];

/**
 * `PORT[/PROTOCOL]` as an `ExposedPorts` key (config.md: `port/tcp`, `port/udp`, `port`, with tcp
 * by default; Docker's EXPOSE also takes sctp): a port 1-65535 without leading zeros, the protocol
 * in any case, written in lower case. Throws a UsageError naming `--expose` otherwise.
 */
export function parseExposedPort(value: string): string {
  const match = /^([1-9][0-9]{0,4})(?:\/([A-Za-z]+))?$/.exec(value);
  const port = match === null ? Number.NaN : Number(match[1]);
  const protocol = (match?.[2] ?? 'tcp').toLowerCase();
  if (!(port >= 1 && port <= 65535) || !PROTOCOLS.includes(protocol)) {
    throw new UsageError(
      `--expose takes PORT[/PROTOCOL], a port 1-65535 and tcp, udp or sctp, e.g. 8080 or 53/udp; got ${JSON.stringify(value)}`,
    );
  }
  return `${port}/${protocol}`;
}

// Linux signal names, without SIG (moby/sys signal.SignalMap for linux), besides RTMIN+n / RTMAX-n.
const SIGNALS = new Set(
  (
    'ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT ' +
    'STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX'
  ).split(' '),
);
/** The real-time signals between RTMIN and RTMAX: RTMIN+1..15 and RTMAX-14..1. */
const REALTIME = /^RTMIN\+([1-9]|1[0-5])$|^RTMAX-([1-9]|1[0-4])$/;
/** Linux has signals 1 to 64 (_NSIG is 65). */
const MAX_SIGNAL = 64;

/**
 * A `StopSignal` (config.md): a Linux signal name with or without `SIG`, in any case, written as
 * `SIGNAME`; or a signal number 1-64, kept as written. Docker's ParseSignal takes the same.
 * Throws a UsageError naming `--stop-signal` otherwise.
 */
export function parseStopSignal(value: string): string {
  if (/^[1-9][0-9]?$/.test(value) && Number(value) <= MAX_SIGNAL) return value;
  const name = value.toUpperCase().replace(/^SIG/, '');
  if (SIGNALS.has(name) || REALTIME.test(name)) return `SIG${name}`;
  throw new UsageError(
    `--stop-signal takes a signal name (SIGTERM, TERM, SIGRTMIN+3...) or number (1-${MAX_SIGNAL}); got ${JSON.stringify(value)}`,
  );
}

/**
 * A commander option parser for a flag that takes one argument list: given twice, it is a
 * UsageError that says to give the whole list as one JSON array (rather than the last one
 * silently winning).
 */
export function givenOnce(flag: string): (value: string, previous: string | undefined) => string {
  return (value, previous) => {
    if (previous !== undefined) {
      throw new UsageError(
        `${flag} was given more than once: give the whole list as one JSON array, e.g. ${flag} '["sh","-c","echo hi"]'`,
      );
    }
    return value;
  };
}
