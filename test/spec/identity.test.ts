/** ChainID, ImageID, the empty descriptor and descriptorOf (config.md, manifest.md, spec-checklist §9). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import {
  chainId,
  chainIds,
  DOCKER,
  descriptorOf,
  EMPTY_DESCRIPTOR,
  EMPTY_JSON_DIGEST,
  emptyJsonBytes,
  imageId,
  OCI,
  parseConfig,
  parseDescriptor,
  parseManifest,
} from '../../src/spec/index.ts';
import { bytesOf, DOCKER_MANIFEST_TEXT, ociConfig } from './fixtures.ts';

describe('ChainID (config.md "Layer ChainID")', () => {
  test('vectors of the reference implementation', () => {
    assert.equal(chainId(['sha256:a']), 'sha256:a');
    assert.equal(
      chainId(['sha256:a', 'sha256:b']),
      'sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8',
    );
    assert.equal(
      chainId(['sha256:a', 'sha256:b', 'sha256:c']),
      'sha256:dee159b33409cefa3f6eda71539f006014283e9d9130c18a1dea7bd8a33c9b1b',
    );
  });
  test('chainIds gives one ChainID per prefix', () => {
    assert.deepEqual(chainIds(['sha256:a', 'sha256:b', 'sha256:c']), [
      'sha256:a',
      'sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8',
      'sha256:dee159b33409cefa3f6eda71539f006014283e9d9130c18a1dea7bd8a33c9b1b',
    ]);
  });
  test('an empty stack: chainIds is [] and chainId is undefined', () => {
    assert.deepEqual(chainIds([]), []);
    assert.equal(chainId([]), undefined);
  });
  test('the config.md example diff_ids', () => {
    const config = parseConfig(bytesOf(ociConfig()));
    assert.equal(
      chainId(config.value.rootfs.diff_ids),
      'sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f',
    );
  });
});

describe('ImageID (config.md "ImageID")', () => {
  test('is the sha256 of the config bytes as stored, not of a re-serialisation', () => {
    const pretty = bytesOf(ociConfig());
    const compact = bytesOf(JSON.stringify(ociConfig()));
    assert.equal(imageId(pretty), parseConfig(pretty).digest);
    assert.notEqual(imageId(pretty), imageId(compact));
    assert.equal(imageId(compact), digestBytes(compact));
  });
});

describe('the empty descriptor (manifest.md "Guidance for an Empty Descriptor")', () => {
  test('its bytes are {} and its digest and data match them', () => {
    const bytes = emptyJsonBytes();
    assert.equal(Buffer.from(bytes).toString(), '{}');
    assert.equal(digestBytes(bytes), EMPTY_JSON_DIGEST);
    assert.equal(EMPTY_DESCRIPTOR.digest, EMPTY_JSON_DIGEST);
    assert.equal(EMPTY_DESCRIPTOR.size, 2);
    assert.equal(EMPTY_DESCRIPTOR.mediaType, OCI.empty);
    assert.equal(Buffer.from(EMPTY_DESCRIPTOR.data ?? '', 'base64').toString(), '{}');
    assert.deepEqual(parseDescriptor({ ...EMPTY_DESCRIPTOR }), { ...EMPTY_DESCRIPTOR });
  });
  test('the constant is frozen and the bytes are a fresh copy', () => {
    assert.ok(Object.isFrozen(EMPTY_DESCRIPTOR));
    const bytes = emptyJsonBytes();
    bytes[0] = 0;
    assert.equal(Buffer.from(emptyJsonBytes()).toString(), '{}');
  });
});

describe('descriptorOf', () => {
  test('describes the exact bytes of a parsed document', () => {
    const doc = parseManifest(bytesOf(DOCKER_MANIFEST_TEXT));
    assert.deepEqual(descriptorOf(doc), {
      mediaType: DOCKER.manifest,
      digest: digestBytes(DOCKER_MANIFEST_TEXT),
      size: Buffer.byteLength(DOCKER_MANIFEST_TEXT),
    });
  });
  test('adds extra fields after the core ones but never overrides them', () => {
    const doc = parseConfig(bytesOf(ociConfig()));
    const desc = descriptorOf(doc, {
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: { a: 'b' },
      size: 1,
      digest: 'sha256:x' as never,
    });
    assert.deepEqual(Object.keys(desc), ['mediaType', 'digest', 'size', 'platform', 'annotations']);
    assert.equal(desc.size, doc.bytes.byteLength);
    assert.equal(desc.digest, doc.digest);
    assert.equal(desc.mediaType, OCI.config);
  });
});
