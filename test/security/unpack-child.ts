/**
 * Child process for the bundle tests: unpacks `oci:<layout>` into `<bundle>` and prints one JSON
 * line with the outcome, so a parent can watch an unpack that might block its event loop.
 */
import { unpackBundle } from '../../src/bundle/index.ts';
import { openImage } from '../../src/image/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';

const [layout, bundle] = process.argv.slice(2) as [string, string];
try {
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  const result = await unpackBundle(image, bundle);
  process.stdout.write(`${JSON.stringify({ ok: true, user: result.config.process?.user })}\n`);
} catch (err) {
  const e = err as { name?: string; code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ ok: false, name: e.name, code: e.code, message: e.message })}\n`);
}
