/**
 * EXPOSE values as BuildKit reads them: `[ip:][hostPort:]containerPort[/proto]`, a port or a
 * range (`8000-8002`), the protocol lower-cased and `tcp` by default. Each becomes `port/proto`.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';

function invalid(raw: string, why: string): OciError {
  return new OciError(ErrorCode.INVALID_ARGUMENT, `invalid port: ${JSON.stringify(raw)}: ${why}`, {
    data: { port: raw },
  });
}

function portNumber(text: string, raw: string): number {
  if (!/^[0-9]+$/.test(text)) throw invalid(raw, `invalid port number ${JSON.stringify(text)}`);
  const port = Number(text);
  if (port > 65535) throw invalid(raw, 'value out of range (0-65535)');
  return port;
}

/** The `port/proto` keys one EXPOSE value stands for. */
export function parsePort(raw: string): string[] {
  const slash = raw.indexOf('/');
  const spec = slash === -1 ? raw : raw.slice(0, slash);
  const proto = (slash === -1 ? 'tcp' : raw.slice(slash + 1)).toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw invalid(raw, `invalid proto ${JSON.stringify(proto)}`);
  const container = spec.slice(spec.lastIndexOf(':') + 1);
  if (container === '') throw invalid(raw, 'no port specified');
  const dash = container.indexOf('-');
  const start = portNumber(dash === -1 ? container : container.slice(0, dash), raw);
  const end = dash === -1 ? start : portNumber(container.slice(dash + 1), raw);
  if (end < start) throw invalid(raw, `invalid port range ${container}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}
