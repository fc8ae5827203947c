/**
 * Which document is which (spec-checklist §10.10): Content-Type first, then `mediaType`, then
 * shape; OCI by default; ambiguous documents refused (CVE-2021-41190); schema 1 refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DOCKER, OCI, parseTopDocument } from '../../src/spec/index.ts';
import {
  assertOciError,
  bytesOf,
  DOCKER_LIST_TEXT,
  DOCKER_MANIFEST_TEXT,
  ociIndex,
  ociManifest,
} from './fixtures.ts';

function bare(doc: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...doc };
  delete copy.mediaType;
  return copy;
}

describe('detection order', () => {
  test('Content-Type decides first, parameters ignored', () => {
    const doc = parseTopDocument(bytesOf(bare(ociManifest())), {
      contentType: ` ${OCI.manifest.toUpperCase()} ; charset=utf-8`,
    });
    assert.equal(doc.kind, 'manifest');
    assert.equal(doc.mediaType, OCI.manifest);
    const docker = parseTopDocument(bytesOf(DOCKER_MANIFEST_TEXT), {
      contentType: `${DOCKER.manifest}; charset=utf-8`,
    });
    assert.equal(docker.mediaType, DOCKER.manifest);
  });
  test('Content-Type beats shape', () => {
    // An index-shaped document announced as a manifest must not be read as an index.
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 2, manifests: [] }), { contentType: OCI.manifest }),
      'INVALID_DOCUMENT',
      /^manifests: must not appear in an image manifest \(CVE-2021-41190\)$/,
    );
  });
  test('a conflicting mediaType in the document is refused', () => {
    assertOciError(
      () => parseTopDocument(bytesOf(ociManifest()), { contentType: DOCKER.manifest }),
      'INVALID_DOCUMENT',
      /^mediaType: is "application\/vnd.oci.image.manifest.v1\+json" but the document arrived as application\/vnd.docker.distribution.manifest.v2\+json$/,
    );
  });
  test('then the document mediaType', () => {
    const doc = parseTopDocument(bytesOf(DOCKER_LIST_TEXT));
    assert.equal(doc.kind, 'index');
    assert.equal(doc.mediaType, DOCKER.manifestList);
    const m = parseTopDocument(bytesOf(DOCKER_MANIFEST_TEXT), { contentType: 'application/json' });
    assert.equal(m.kind, 'manifest');
    assert.equal(m.mediaType, DOCKER.manifest);
  });
  test('then the shape: manifests means index, config/layers mean manifest, OCI by default', () => {
    const index = parseTopDocument(bytesOf(bare(ociIndex())));
    assert.equal(index.kind, 'index');
    assert.equal(index.mediaType, OCI.index);
    const manifest = parseTopDocument(bytesOf(bare(ociManifest())), {
      contentType: 'application/octet-stream',
    });
    assert.equal(manifest.kind, 'manifest');
    assert.equal(manifest.mediaType, OCI.manifest);
  });
  test('a layers-only document is detected as a manifest (and then needs config)', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 2, layers: [] })),
      'INVALID_DOCUMENT',
      /^config: is required$/,
    );
  });
  test('a document of neither shape is refused', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 2 })),
      'INVALID_DOCUMENT',
      /neither an image manifest nor an index/,
    );
  });
  test('an unknown mediaType in the document is refused', () => {
    const m = { ...ociManifest(), mediaType: 'application/vnd.example.thing+json' };
    assertOciError(
      () => parseTopDocument(bytesOf(m)),
      'INVALID_DOCUMENT',
      /^mediaType: must be an image manifest or index media type/,
    );
  });
  test('a Content-Type of another kind of blob is UNSUPPORTED_MEDIA_TYPE', () => {
    assertOciError(
      () => parseTopDocument(bytesOf(ociManifest()), { contentType: OCI.config }),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assertOciError(
      () => parseTopDocument(bytesOf(ociManifest()), { contentType: OCI.layerGzip }),
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('refused documents', () => {
  test('manifests together with config is ambiguous (CVE-2021-41190)', () => {
    for (const contentType of [undefined, OCI.manifest, OCI.index]) {
      assertOciError(
        () => parseTopDocument(bytesOf({ ...ociManifest(), manifests: [] }), { contentType }),
        'INVALID_DOCUMENT',
        /ambiguous \(CVE-2021-41190\)/,
      );
    }
  });
  test('manifests together with layers only is ambiguous too', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 2, manifests: [], layers: [] })),
      'INVALID_DOCUMENT',
      /CVE-2021-41190/,
    );
  });
  test('config in an index announced by Content-Type is refused', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 2, config: {} }), { contentType: OCI.index }),
      'INVALID_DOCUMENT',
      /^config: must not appear in an index \(CVE-2021-41190\)$/,
    );
  });
  test('Docker schema 1 by Content-Type or by mediaType', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 1 }), { contentType: DOCKER.schema1 }),
      'UNSUPPORTED_MEDIA_TYPE',
      /schema 1/,
    );
    assertOciError(
      () => parseTopDocument(bytesOf({ schemaVersion: 1, mediaType: DOCKER.schema1Signed })),
      'UNSUPPORTED_MEDIA_TYPE',
      /schema 1/,
    );
  });
  test('schemaVersion 1 without a media type is INVALID_DOCUMENT', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ ...ociManifest(), schemaVersion: 1 })),
      'INVALID_DOCUMENT',
      /^schemaVersion: must be 2/,
    );
  });
});
