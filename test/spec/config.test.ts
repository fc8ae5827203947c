/** config.md rules and Docker image configs (spec-checklist §1.6, §5.3, §8 "config", §10.20). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { DOCKER, OCI, parseConfig } from '../../src/spec/index.ts';
import { assertOciError, bytesOf, DOCKER_CONFIG_TEXT, ociConfig } from './fixtures.ts';

type Doc = Record<string, unknown> & { config: Record<string, unknown>; rootfs: Record<string, unknown> };
const config = (): Doc => ociConfig() as Doc;

describe('config: invalid cases', () => {
  const cases: [string, (c: Doc) => unknown, RegExp][] = [
    [
      'os: 123',
      (c) => {
        c.os = 123;
      },
      /^os: must be a string, not a number$/,
    ],
    [
      'variant: 123',
      (c) => {
        c.variant = 123;
      },
      /^variant: must be a string, not a number$/,
    ],
    [
      'config.User: 1234',
      (c) => {
        c.config.User = 1234;
      },
      /^config\.User: must be a string, not a number$/,
    ],
    [
      'history not an array',
      (c) => {
        c.history = 'should be an array';
      },
      /^history: must be an array, not a string$/,
    ],
    [
      'history item with a string empty_layer',
      (c) => {
        c.history = [{ empty_layer: 'yes' }];
      },
      /^history\[0\]\.empty_layer: must be a boolean, not a string$/,
    ],
    [
      'Env: [7353]',
      (c) => {
        c.config.Env = [7353];
      },
      /^config\.Env\[0\]: must be a string, not a number$/,
    ],
    [
      'Env: ["foo"] (no =)',
      (c) => {
        c.config.Env = ['A=1', 'foo'];
      },
      /^config\.Env\[1\]: must be "NAME=value"/,
    ],
    [
      'Env: ["=value"] (empty name)',
      (c) => {
        c.config.Env = ['=value'];
      },
      /^config\.Env\[0\]: must be "NAME=value"/,
    ],
    [
      'Volumes as an array of strings',
      (c) => {
        c.config.Volumes = ['/var/job-result-data'];
      },
      /^config\.Volumes: must be an object, not an array$/,
    ],
    [
      'Cmd with a number',
      (c) => {
        c.config.Cmd = ['sh', 1];
      },
      /^config\.Cmd\[1\]: must be a string, not a number$/,
    ],
    [
      'Entrypoint as an object',
      (c) => {
        c.config.Entrypoint = {};
      },
      /^config\.Entrypoint: must be an array, not an object$/,
    ],
    [
      'rootfs.type "layer"',
      (c) => {
        c.rootfs.type = 'layer';
      },
      /^rootfs\.type: must be "layers"$/,
    ],
    [
      'rootfs.diff_ids with an invalid digest',
      (c) => {
        c.rootfs.diff_ids = ['sha256:abc'];
      },
      /^rootfs\.diff_ids\[0\]: sha256 digest must be 64 lowercase hex/,
    ],
    [
      'missing rootfs',
      (c) => {
        delete (c as Record<string, unknown>).rootfs;
      },
      /^rootfs: is required$/,
    ],
    [
      'missing architecture',
      (c) => {
        delete c.architecture;
      },
      /^architecture: is required$/,
    ],
    [
      'missing os',
      (c) => {
        delete c.os;
      },
      /^os: is required$/,
    ],
    [
      'Labels with a number value',
      (c) => {
        c.config.Labels = { a: 1 };
      },
      /^config\.Labels\.a: must be a string, not a number$/,
    ],
    [
      'ArgsEscaped as a string',
      (c) => {
        c.config.ArgsEscaped = 'true';
      },
      /^config\.ArgsEscaped: must be a boolean, not a string$/,
    ],
    [
      'Healthcheck.Interval fractional',
      (c) => {
        c.config.Healthcheck = { Interval: 1.5 };
      },
      /^config\.Healthcheck\.Interval: /,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const c = config();
      mutate(c);
      assertOciError(() => parseConfig(bytesOf(c)), 'INVALID_DOCUMENT', message);
    });
  }
  test('invalid JSON', () => {
    assertOciError(() => parseConfig(bytesOf('invalid JSON')), 'INVALID_DOCUMENT', /^not valid JSON: /);
  });
  test('a manifest Content-Type is refused', () => {
    assertOciError(
      () => parseConfig(bytesOf(config()), { contentType: OCI.manifest }),
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('config: valid cases', () => {
  test('the full config.md example', () => {
    const bytes = bytesOf(config());
    const doc = parseConfig(bytes);
    assert.equal(doc.mediaType, OCI.config);
    assert.equal(doc.digest, digestBytes(bytes));
    assert.equal(doc.value.rootfs.diff_ids.length, 2);
    assert.deepEqual(doc.value.config?.Cmd, ['--foreground', '--config', '/etc/my-app.d/default.cfg']);
  });
  test('required fields only', () => {
    const doc = parseConfig(
      bytesOf({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    assert.equal(doc.value.architecture, 'arm64');
    assert.equal(doc.value.config, undefined);
  });
  test('config: null is accepted (config.md 1.1.1)', () => {
    const c = config();
    c.config = null as never;
    assert.equal(parseConfig(bytesOf(c)).value.config, null);
  });
  test('optional fields given as null read as absent', () => {
    const c = config();
    Object.assign(c, { created: null, author: null, variant: null, history: null, 'os.features': null });
    c.config.User = null;
    const value = parseConfig(bytesOf(c)).value;
    assert.equal(value.created, undefined);
    assert.equal(value.history, undefined);
    assert.equal(value.config?.User, undefined);
  });
  test('the content type it arrived with is its media type', () => {
    assert.equal(parseConfig(bytesOf(config()), { contentType: DOCKER.config }).mediaType, DOCKER.config);
  });
});

describe('config: Docker image configs', () => {
  test('a daemon-written config parses; bare-string Cmd becomes an array; bytes are exact', () => {
    const bytes = bytesOf(DOCKER_CONFIG_TEXT);
    const doc = parseConfig(bytes, { contentType: DOCKER.config });
    assert.deepEqual(doc.value.config?.Cmd, ['/hello']);
    assert.equal(doc.value.config?.Entrypoint, null);
    assert.equal(doc.value.config?.Volumes, null);
    assert.equal(doc.value.config?.Labels, null);
    assert.equal(doc.value.config?.Healthcheck?.Retries, 3);
    assert.equal(doc.value.config?.MemorySwap, -1);
    assert.deepEqual((doc.value.container_config as { Cmd: string[] }).Cmd.length, 4);
    assert.equal(doc.value.docker_version, '20.10.7');
    assert.equal(new TextDecoder().decode(doc.bytes), DOCKER_CONFIG_TEXT);
    assert.equal(doc.digest, digestBytes(DOCKER_CONFIG_TEXT));
  });
  test('a bare-string Entrypoint becomes a one-element array', () => {
    const c = config();
    c.config.Entrypoint = '/bin/sh -c';
    assert.deepEqual(parseConfig(bytesOf(c)).value.config?.Entrypoint, ['/bin/sh -c']);
  });
  test('history longer than diff_ids is kept (empty_layer entries)', () => {
    const doc = parseConfig(bytesOf(DOCKER_CONFIG_TEXT));
    assert.equal(doc.value.history?.length, 2);
    assert.equal(doc.value.history?.[1]?.empty_layer, true);
  });
});

describe('config: size limit', () => {
  test('a config above maxBytes is TOO_LARGE', () => {
    assertOciError(
      () => parseConfig(bytesOf(config()), { maxBytes: 100 }),
      'TOO_LARGE',
      /more than the 100-byte limit/,
    );
  });
  test('the default limit for configs is 8 MiB', () => {
    const big = config();
    big['com.example.pad'] = 'x'.repeat(6 * 1024 * 1024);
    assert.equal(parseConfig(bytesOf(big)).value.os, 'linux');
    big['com.example.pad'] = 'x'.repeat(8 * 1024 * 1024);
    assertOciError(() => parseConfig(bytesOf(big)), 'TOO_LARGE');
  });
});
