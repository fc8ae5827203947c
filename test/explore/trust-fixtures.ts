/**
 * A signed busybox layout for the Trust page: signed with ocikit's own `sign` by key A in both of
 * cosign's formats (`.sig` tag scheme and a sigstore bundle referrer), signed by key B (the
 * "wrong" key when only A is trusted), and given a `.att` SLSA attestation signed by key A. And a
 * signed two-platform index whose referrers hang off the index and off each manifest.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI } from '../../src/spec/index.ts';
import {
  IN_TOTO_PAYLOAD_TYPE,
  keySigner,
  openSignatureStore,
  preAuthEncoding,
  readPrivateKey,
  signatureTag,
} from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { writeBusyboxLayout, writeIndexLayout } from './fixtures.ts';

/** The predicate type of the hand-made attestation. */
export const PROVENANCE = 'https://slsa.dev/provenance/v1';

const PASSWORD = 'explore';

/** The signed image and the key files. */
export interface SignedImage {
  name: string;
  manifest: string;
  keyA: string;
  keyB: string;
}

async function generate(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const made = await ocikit(['key', 'generate'], { cwd: dir, env: { COSIGN_PASSWORD: PASSWORD } });
  assert.equal(made.code, 0, made.stderr);
}

async function sign(name: string, key: string, format: 'tag' | 'bundle'): Promise<void> {
  // A layout image named by digest (`oci:DIR@sha256:…`) signs that manifest of the layout.
  const signed = await ocikit(
    ['sign', name, '--key', key, '--format', format, '--sign-container-identity', 'localhost:5000/busybox'],
    { env: { COSIGN_PASSWORD: PASSWORD } },
  );
  assert.equal(signed.code, 0, signed.stderr);
}

/** Writes a `.att` manifest holding one DSSE envelope (an in-toto statement about `digest`) signed by `keyFile`. */
async function attest(name: string, digest: string, keyFile: string): Promise<void> {
  const key = await readPrivateKey(await readFile(keyFile), Buffer.from(PASSWORD), keyFile);
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'busybox', digest: { sha256: digest.slice('sha256:'.length) } }],
      predicateType: PROVENANCE,
      predicate: { buildDefinition: { buildType: 'test' } },
    }),
  );
  const sig = await keySigner(key).sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement));
  const envelope = Buffer.from(
    JSON.stringify({
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      payload: statement.toString('base64'),
      signatures: [{ keyid: '', sig: Buffer.from(sig).toString('base64') }],
    }),
  );
  const config = Buffer.from('{}');
  const store = await openSignatureStore(name);
  const layer = {
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    digest: digestBytes(envelope),
    size: envelope.byteLength,
    annotations: { predicateType: PROVENANCE },
  };
  const configDescriptor = { mediaType: OCI.config, digest: digestBytes(config), size: config.byteLength };
  await store.writeBlob(layer, envelope);
  await store.writeBlob(configDescriptor, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, config: configDescriptor, layers: [layer] }),
  );
  await store.writeManifest(manifest, OCI.manifest, signatureTag(digest).replace(/\.sig$/, '.att'));
  await store.close();
}

/** Writes the signed image under `dir`. */
export async function writeSignedImage(dir: string): Promise<SignedImage> {
  const { manifest } = await writeBusyboxLayout(join(dir, 'img'));
  await generate(join(dir, 'a'));
  await generate(join(dir, 'b'));
  const name = `oci:${join(dir, 'img')}:latest`;
  await sign(name, join(dir, 'a', 'cosign.key'), 'tag');
  await sign(name, join(dir, 'b', 'cosign.key'), 'tag');
  await sign(name, join(dir, 'a', 'cosign.key'), 'bundle');
  await attest(name, manifest, join(dir, 'a', 'cosign.key'));
  return { name, manifest, keyA: join(dir, 'a', 'cosign.pub'), keyB: join(dir, 'b', 'cosign.pub') };
}

/** A policy.json accepting images signed by `key` for the identity the fixture signs. */
export async function writePolicy(path: string, key: string): Promise<string> {
  await writeFile(
    path,
    JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        oci: {
          '': [
            {
              type: 'sigstoreSigned',
              keyPath: key,
              signedIdentity: { type: 'exactRepository', dockerRepository: 'localhost:5000/busybox' },
            },
          ],
        },
      },
    }),
  );
  return path;
}

/** The signed index and what hangs off which of its documents. */
export interface SignedIndex {
  name: string;
  index: string;
  /** linux/amd64, then linux/arm64. */
  manifests: string[];
  keyA: string;
}

/**
 * Writes a two-platform index under `dir`: the index signed in the tag scheme (`.sig`), its
 * linux/amd64 manifest signed as a sigstore bundle referrer, and its linux/arm64 manifest given a
 * `.att` attestation.
 */
export async function writeSignedIndex(dir: string): Promise<SignedIndex> {
  const root = join(dir, 'img');
  const { index, manifests } = await writeIndexLayout(root);
  await generate(join(dir, 'a'));
  const key = join(dir, 'a', 'cosign.key');
  const name = `oci:${root}:latest`;
  const [amd64, arm64] = manifests as [string, string];
  await sign(name, key, 'tag');
  await sign(`oci:${root}@${amd64}`, key, 'bundle');
  await attest(name, arm64, key);
  return { name, index, manifests, keyA: join(dir, 'a', 'cosign.pub') };
}
