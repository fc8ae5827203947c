/** Hand-written documents for the spec tests: valid OCI and Docker v2.2 examples and helpers. */
import assert from 'node:assert/strict';
import { isOciError } from '../../src/errors/index.ts';
import { DOCKER, OCI } from '../../src/spec/index.ts';

/** UTF-8 bytes of a string, or of a value serialised as JSON with two-space indentation. */
export function bytesOf(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** A deterministic sha256 digest string from one hex character. */
export function fakeDigest(ch: string): string {
  return `sha256:${ch.repeat(64)}`;
}

/** The valid descriptor the descriptor tests start from (schema/descriptor_test.go style). */
export function validDescriptor(): Record<string, unknown> {
  return {
    mediaType: OCI.layerGzip,
    digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
    size: 7682,
  };
}

/** An OCI image manifest with config, two layers and annotations. */
export function ociManifest(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config: {
      mediaType: OCI.config,
      digest: 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7',
      size: 7023,
    },
    layers: [
      {
        mediaType: OCI.layerGzip,
        digest: 'sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0',
        size: 32654,
      },
      {
        mediaType: OCI.layerGzip,
        digest: 'sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b',
        size: 16724,
      },
    ],
    annotations: { 'com.example.key1': 'value1', 'com.example.key2': 'value2' },
  };
}

/** An OCI image index with two platform entries. */
export function ociIndex(): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI.index,
    manifests: [
      {
        mediaType: OCI.manifest,
        digest: 'sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f',
        size: 7143,
        platform: { architecture: 'ppc64le', os: 'linux' },
      },
      {
        mediaType: OCI.manifest,
        digest: 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270',
        size: 7682,
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
    annotations: { 'com.example.key1': 'value1' },
  };
}

/** An OCI image config (config.md example, trimmed). */
export function ociConfig(): Record<string, unknown> {
  return {
    created: '2015-10-31T22:22:56.015925234Z',
    author: 'Alyssa P. Hacker <alyspdev@example.com>',
    architecture: 'amd64',
    os: 'linux',
    config: {
      User: 'alice',
      ExposedPorts: { '8080/tcp': {} },
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'FOO=oci_is_a',
        'BAR=well_written_spec',
      ],
      Entrypoint: ['/bin/my-app-binary'],
      Cmd: ['--foreground', '--config', '/etc/my-app.d/default.cfg'],
      Volumes: { '/var/job-result-data': {}, '/var/log/my-app-logs': {} },
      WorkingDir: '/home/alice',
      Labels: { 'com.example.project.git.url': 'https://example.com/project.git' },
    },
    rootfs: {
      diff_ids: [
        'sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1',
        'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
      ],
      type: 'layers',
    },
    history: [
      {
        created: '2015-10-31T22:22:54.690851953Z',
        created_by:
          '/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /',
      },
      {
        created: '2015-10-31T22:22:55.613815829Z',
        created_by: '/bin/sh -c #(nop) CMD ["sh"]',
        empty_layer: true,
      },
    ],
  };
}

/** A Docker v2.2 image manifest as a registry serves it (three-space indentation, as distribution writes). */
export const DOCKER_MANIFEST_TEXT = `{
   "schemaVersion": 2,
   "mediaType": "${DOCKER.manifest}",
   "config": {
      "mediaType": "${DOCKER.config}",
      "size": 1469,
      "digest": "sha256:feb5d9fea6a5e9606aa995e879d862b825965ba48de054caab5ef356dc6b3412"
   },
   "layers": [
      {
         "mediaType": "${DOCKER.layerGzip}",
         "size": 2479,
         "digest": "sha256:2db29710123e3e53a794f2694094b9b4338aa9ee5c40b930cb8063a1be392c54"
      },
      {
         "mediaType": "${DOCKER.foreignLayerGzip}",
         "size": 1720,
         "digest": "sha256:4a3f5c8a3d1e3f2b6a8d9c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c",
         "urls": ["https://example.com/layers/4a3f5c8a"]
      }
   ]
}`;

/** A Docker v2.2 manifest list with platform entries, including a CPU features list. */
export const DOCKER_LIST_TEXT = `{
  "schemaVersion": 2,
  "mediaType": "${DOCKER.manifestList}",
  "manifests": [
    {
      "mediaType": "${DOCKER.manifest}",
      "size": 7143,
      "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
      "platform": { "architecture": "ppc64le", "os": "linux" }
    },
    {
      "mediaType": "${DOCKER.manifest}",
      "size": 7682,
      "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
      "platform": { "architecture": "amd64", "os": "linux", "features": ["sse4"] }
    },
    {
      "mediaType": "${DOCKER.manifest}",
      "size": 7682,
      "digest": "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda",
      "platform": { "architecture": "arm", "os": "linux", "variant": "v7" }
    }
  ]
}`;

/** A Docker image config as the daemon writes it: container_config, bare-string Cmd, null fields. */
export const DOCKER_CONFIG_TEXT = JSON.stringify({
  architecture: 'amd64',
  config: {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: '/hello',
    Image: 'sha256:b9935d4e8431fb1a7f0989304ec86b3329a99345b5a3e2dd8d1b9c2a1c8e0b1a',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
    Healthcheck: {
      Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      Interval: 30000000000,
      Retries: 3,
    },
    Memory: 0,
    MemorySwap: -1,
    CpuShares: 0,
  },
  container: '8e2caa5a514bb6d8b4f2a2553e9067498d261a0fd83a96aeaaf303943dff6ff9',
  container_config: { Hostname: '8e2caa5a514b', Cmd: ['/bin/sh', '-c', '#(nop) ', 'CMD ["/hello"]'] },
  created: '2021-09-23T23:47:57.442225064Z',
  docker_version: '20.10.7',
  history: [
    {
      created: '2021-09-23T23:47:57.098990892Z',
      created_by:
        '/bin/sh -c #(nop) COPY file:50563a97010fd7ce1ceebd1fa4f4891ac3decdf428333fb2683696f4358af6c2 in / ',
    },
    {
      created: '2021-09-23T23:47:57.442225064Z',
      created_by: '/bin/sh -c #(nop)  CMD ["/hello"]',
      empty_layer: true,
    },
  ],
  os: 'linux',
  rootfs: {
    type: 'layers',
    diff_ids: ['sha256:e07ee1baac5fae6a26f30cabfe54a36d3402f96afda318fe0a96cec4ca393359'],
  },
});

/** Asserts `fn` throws an OciError with `code` whose message matches `message` (and returns it). */
export function assertOciError(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isOciError(err), `expected an OciError, got ${String(err)}`);
    assert.equal(err.code, code, `code of: ${err.message}`);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

/** A deep copy of a JSON-able value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
