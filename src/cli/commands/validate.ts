/** `ocikit validate IMAGE [--fast] [--json]`: every fault of an image or index, one per line (crane validate). */
import { Command } from '@commander-js/extra-typings';
import { validateSource } from '../../image/validate.ts';
import { withSource } from '../context.ts';
import { writeJson, writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';

/** Registers `validate`. */
export function validateCommand() {
  return new Command('validate')
    .description(
      'check every blob (digest, size), every DiffID, the history and the media types of an image or index; non-zero exit on any fault',
    )
    .argument('<image>', 'image name (any transport)')
    .option('--fast', 'do not read layers: check only that they are there with their sizes')
    .option('--json', 'print the report as JSON')
    .action(async (name, options, command) =>
      withSource(name, command, async (source) => {
        const report = await validateSource(source, { fast: options.fast === true, signal: commandSignal() });
        if (options.json) await writeJson(report);
        else {
          for (const f of report.faults) await writeLine(`${f.kind}: ${f.digest} at ${f.path}: ${f.message}`);
          await writeLine(
            report.ok
              ? `ok: ${report.checked} blobs ${options.fast ? 'checked' : 'verified'}`
              : `${report.faults.length} faults in ${report.checked} blobs`,
          );
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}
