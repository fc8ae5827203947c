/** Images the explorer tests open: a busybox image whose upper layer modifies and deletes files, and a two-platform index. */
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExplorerImage, type RunningExplorer, startExplorer } from '../../src/explore/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import {
  imageConfig,
  putBlob,
  putJson,
  writeImageLayout,
  writeIndex,
  writeLayout,
} from '../security/fixtures.ts';

/** The text of /etc/motd in the upper layer (the one the merged filesystem shows). */
export const MOTD = 'hello from the upper layer\n';

/**
 * A busybox image: layer 0 is /bin/busybox with applet links, /etc files, /tmp/old.txt and
 * /usr/share/doc/README (a nested tree); layer 1
 * rewrites /etc/motd, deletes /tmp/old.txt (a whiteout) and adds /srv/app.txt.
 */
export async function writeBusyboxLayout(root: string): Promise<{ manifest: string }> {
  const busybox = await readFile('/bin/busybox');
  const base = await hostileTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: busybox, mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'bin/ls', type: 'symlink', linkname: 'busybox' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/motd', content: 'hello from the base layer, a longer text\n' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'tmp/old.txt', content: 'to be deleted\n' },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/share/', type: 'directory' },
    { name: 'usr/share/doc/', type: 'directory' },
    { name: 'usr/share/doc/README', content: 'nested three levels down\n' },
  ]);
  const upper = await hostileTar([
    { name: 'etc/motd', content: MOTD },
    { name: 'tmp/.wh.old.txt' },
    { name: 'srv/', type: 'directory' },
    { name: 'srv/app.txt', content: 'app\n' },
  ]);
  const written = await writeImageLayout(root, [base, upper], {
    configExtra: {
      history: [
        { created_by: 'ADD busybox /' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'RUN rm /tmp/old.txt && echo > /etc/motd' },
      ],
    },
  });
  return { manifest: written.manifest.digest };
}

/** A layout holding an index of two images, linux/amd64 and linux/arm64, sharing one layer. */
export async function writeIndexLayout(root: string): Promise<{ index: string; manifests: string[] }> {
  await writeLayout(root);
  const layer = await putBlob(root, await hostileTar([{ name: 'hello.txt', content: 'hello\n' }]), OCI.layer);
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const config = await putJson(root, { ...imageConfig([layer.digest]), architecture }, OCI.config);
    const manifest = await putJson(
      root,
      { schemaVersion: 2, mediaType: OCI.manifest, config, layers: [layer] },
      OCI.manifest,
    );
    manifests.push({ ...manifest, platform: { os: 'linux', architecture } });
  }
  const index = await putJson(root, { schemaVersion: 2, mediaType: OCI.index, manifests }, OCI.index);
  await writeIndex(root, [{ ...index, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }]);
  return { index: index.digest, manifests: manifests.map((m) => m.digest) };
}

/** A serve root with `library/busybox` and `multi`, and a host folder beside it that must stay unread. */
export async function writeServeRoot(dir: string): Promise<{ root: string; busybox: string; index: string }> {
  const root = join(dir, 'root');
  const { manifest } = await writeBusyboxLayout(join(root, 'library', 'busybox'));
  const { index } = await writeIndexLayout(join(root, 'multi'));
  // Outside ROOT: a layout a symlinked "repository" points to.
  await writeBusyboxLayout(join(dir, 'outside'));
  await mkdir(join(root, 'evil'), { recursive: true });
  await symlink(join(dir, 'outside'), join(root, 'evil', 'link'));
  return { root, busybox: manifest, index };
}

/** Both layouts under `dir`, served by an explorer (image 0: busybox, image 1: the index). */
export async function exploreFixtures(dir: string): Promise<{
  explorer: RunningExplorer;
  images: ExplorerImage[];
  busybox: string;
  index: { index: string; manifests: string[] };
}> {
  const { manifest: busybox } = await writeBusyboxLayout(join(dir, 'busybox'));
  const index = await writeIndexLayout(join(dir, 'multi'));
  const images = [`oci:${join(dir, 'busybox')}`, `oci:${join(dir, 'multi')}`].map((name) => ({
    name,
    source: layoutSource(name),
  }));
  const explorer = await startExplorer({ images });
  return { explorer, images, busybox, index };
}

/** A JSON value from the API; the tests' assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the type checks
export type Json = any;

/** The JSON body of `res`. */
export async function json(res: Response): Promise<Json> {
  return res.json();
}
