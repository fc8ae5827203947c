/** A tiny rootfs with busybox-static and a non-root user, for tests that run real containers. */
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The applets the rootfs links to busybox. */
export const APPLETS = ['sh', 'id', 'pwd', 'env', 'echo', 'cat', 'ls', 'stat', 'true'];

/** Writes the rootfs under `root`: /bin/busybox and applets, /etc/passwd and /etc/group with user `app`. */
export async function writeBusyboxRootfs(root: string): Promise<void> {
  await mkdir(join(root, 'bin'), { recursive: true });
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n',
  );
  await writeFile(join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n');
  await mkdir(join(root, 'home/app'), { recursive: true });
  await mkdir(join(root, 'srv/work'), { recursive: true });
  await mkdir(join(root, 'tmp'), { recursive: true, mode: 0o1777 });
}
