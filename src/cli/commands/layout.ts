/** `ocikit layout init DIR`, `ocikit fsck DIR`, `ocikit gc DIR`: OCI layout housekeeping. */
import { Command } from '@commander-js/extra-typings';
import { initLayout, openLayout } from '../../store/index.ts';
import { layoutDirOf as layoutDir } from '../layout-dir.ts';
import { writeJson, writeLine } from '../output.ts';

/** Registers `layout` (with `layout init`). */
export function layoutCommand() {
  const layout = new Command('layout').description('OCI image layout housekeeping');
  layout
    .command('init')
    .description('create an empty OCI image layout')
    .argument('<dir>', 'layout directory')
    .action(async (dir) => {
      await initLayout(layoutDir(dir));
    });
  return layout;
}

/** Registers `fsck`. */
export function fsckCommand() {
  return new Command('fsck')
    .description('verify every blob reachable from index.json: presence, digest, size and documents')
    .argument('<dir>', 'layout directory')
    .option('--json', 'print the report as JSON')
    .action(async (dir, options) => {
      const report = await (await openLayout(layoutDir(dir))).fsck();
      if (options.json) await writeJson(report);
      else {
        for (const p of report.problems) await writeLine(`${p.kind}: ${p.digest} at ${p.path}: ${p.message}`);
        await writeLine(
          report.ok
            ? `ok: ${report.checked} blobs verified`
            : `${report.problems.length} problems in ${report.checked} blobs`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    });
}

/** Registers `gc`. */
export function gcCommand() {
  return new Command('gc')
    .description('remove blobs no longer reachable from index.json')
    .argument('<dir>', 'layout directory')
    .option('--dry-run', 'only list what would be removed')
    .option('--json', 'print the report as JSON')
    .action(async (dir, options) => {
      const report = await (await openLayout(layoutDir(dir))).gc({ dryRun: options.dryRun === true });
      if (options.json) return writeJson(report);
      for (const digest of report.removed)
        await writeLine(`${options.dryRun ? 'would remove' : 'removed'} ${digest}`);
      await writeLine(`${report.removed.length} blobs, ${report.bytesFreed} bytes`);
    });
}
