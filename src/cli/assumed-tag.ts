/**
 * Saying on stderr which tag a registry name without one stands for: it is read and written as
 * `:latest` (as skopeo and crane push it), and the user should know which image was meant.
 */
import { terminalSafe } from './output.ts';

/** The options of the running command that shape what it prints on stderr. */
interface Quietness {
  json?: boolean;
  quiet?: boolean;
}

/**
 * When `name` is a registry name with neither tag nor digest, writes
 * `ocikit: no tag given: using "latest" for NAME` on stderr; a JSON line
 * (`{"event":"notice",...}`) with `--json`; nothing with `-q`. Throws as `transportOf` does for a
 * name of an unknown transport.
 */
export async function noteAssumedTag(name: string, command: { optsWithGlobals(): object }): Promise<void> {
  const { assumedTag } = await import('../transports/index.ts');
  const tag = await assumedTag(name);
  if (tag === undefined) return;
  const options = command.optsWithGlobals() as Quietness;
  if (options.quiet === true) return;
  const message = `no tag given: using ${JSON.stringify(tag)}`;
  process.stderr.write(
    options.json === true
      ? `${JSON.stringify({ event: 'notice', message, name, tag })}\n`
      : `ocikit: ${terminalSafe(`${message} for ${name}`)}\n`,
  );
}
