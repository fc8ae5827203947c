/** Shared pieces of the trust tests: the Go key peer, test keys, and images built by umoci. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/exec.ts';
import { umociImage } from '../helpers/peers-layout.ts';

/** Where Debian's golang-github-containers-image-dev puts containers/image's signature fixtures. */
export const FIXTURES = '/usr/share/gocode/src/github.com/containers/image/signature/fixtures';

const GO_PEER = resolve(dirname(fileURLToPath(import.meta.url)), 'go/cosign-key.go');

/**
 * Builds the Go key peer (go/cosign-key.go, on the Debian-packaged golang.org/x/crypto) into
 * `dir` and returns a function running it.
 */
export async function goKeyPeer(dir: string): Promise<(args: string[]) => Promise<string>> {
  const env = {
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOCACHE: join(dir, 'go-cache'),
    GOFLAGS: '',
  };
  const binary = join(dir, 'cosign-key');
  await run('go', ['build', '-o', binary, GO_PEER], { env });
  return (args) => run(binary, args);
}

/** A fresh ECDSA P-256 key pair (what cosign keys are). */
export function p256(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** Makes `oci:DIR:TAG` with umoci: an image with one file layer holding `content`. */
export async function layoutImage(dir: string, tag: string, content: string): Promise<string> {
  await umociImage(dir, tag, { '/hello.txt': content });
  return `oci:${dir}:${tag}`;
}
