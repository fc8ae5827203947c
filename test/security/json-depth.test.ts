/**
 * Deeply nested JSON in unknown fields of hostile documents: the parsers accept it (JSON.parse is
 * iterative), but later structuredClone / JSON.stringify recurse and throw a RangeError, which
 * escapes as a non-OciError from ordinary operations on the document.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { openImage } from '../../src/image/index.ts';
import { mutateConfig } from '../../src/mutate/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { putBlob, putJson, writeLayout } from './fixtures.ts';

/** `[[[...]]]` nested `depth` deep: 2 bytes a level, far under every size limit. */
const DEPTH = 200_000;
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

function describeError(e: unknown): string {
  const err = e as { name?: string; code?: string; message?: string };
  return `${err.name} ${err.code ?? ''}: ${String(err.message).slice(0, 120)}`;
}

test('tagging into a layout whose index.json nests 200k levels deep fails with an OciError', async (t) => {
  const root = join(await scratch(t, 'ocikit-sec-json-'), 'layout');
  await writeLayout(root);
  const manifest = await putJson(
    root,
    {
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: {
        mediaType: OCI.empty,
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      },
      layers: [],
    },
    OCI.manifest,
  );
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as Record<string, unknown>;
  const text = JSON.stringify(index).replace(/}$/, `,"x-padding":${deepArray}}`);
  await writeFile(join(root, 'index.json'), text);

  let thrown: unknown;
  try {
    // Today openLayout accepts the file (the parser does not limit nesting) and tag() crashes;
    // refusing it at open with INVALID_LAYOUT / INVALID_DOCUMENT is just as good.
    const layout = await openLayout(root);
    await layout.tag('v1', manifest as unknown as Parameters<typeof layout.tag>[1]);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'tag succeeded, rewriting a 400 KB index.json');
  assert.ok(isOciError(thrown), `tag threw a non-OciError: ${describeError(thrown)}`);
});

test('mutating an image whose config nests 200k levels deep fails with an OciError', async (t) => {
  const root = join(await scratch(t, 'ocikit-sec-json-'), 'layout');
  // Unknown config fields must survive a mutation (config.md), so they are cloned and re-serialised.
  await writeLayout(root);
  const configText = `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"x-padding":${deepArray}}`;
  const deepConfig = await putBlob(root, configText, OCI.config);
  const manifest = await putJson(
    root,
    { schemaVersion: 2, mediaType: OCI.manifest, config: deepConfig, layers: [] },
    OCI.manifest,
  );
  await writeFile(
    join(root, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'deep' } }],
    }),
  );
  let thrown: unknown;
  try {
    // Opening with a platform reads the config to check it, so the refusal may come from either step.
    const image = await openImage(layoutSource(`oci:${root}:deep`), { platform: 'linux/amd64' });
    await mutateConfig(image, { env: ['A=1'] });
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'the mutation succeeded');
  assert.ok(isOciError(thrown), `mutateConfig threw a non-OciError: ${describeError(thrown)}`);
});
