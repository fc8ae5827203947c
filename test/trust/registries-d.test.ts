/**
 * registries.d (containers-registries.d(5)): every `*.yaml` file of the folder merged, the most
 * specific entry for an image winning (its tag or digest, then each namespace, then the
 * registry, then `*.domain`, then `default-docker`), staging for writes, and signature URLs laid
 * out as the containers tools lay them out.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import {
  dockerNamespaces,
  loadRegistriesConfig,
  lookasideBase,
  lookasideRepositoryUrl,
  parseRegistriesFile,
  registriesDir,
  signatureUrl,
  useSigstoreAttachments,
} from '../../src/trust/index.ts';
import { scratch } from '../helpers/tmp.ts';

const CONFIG = `
default-docker:
  lookaside: file:///default
  use-sigstore-attachments: false
docker:
  registry.example:
    lookaside: https://sigs.example/registry
    lookaside-staging: file:///staging/registry
    use-sigstore-attachments: true
  registry.example/team:
    lookaside: https://sigs.example/team
  registry.example/team/app:v1:
    lookaside: https://sigs.example/app-v1
  "*.example":
    lookaside: https://sigs.example/wildcard
  registry.example/quiet:
    use-sigstore-attachments: false
`;

const config = parseRegistriesFile(CONFIG, 'test.yaml');
const ref = (s: string) => parseReference(s);

test('namespaces run from the repository to the registry, then *.domain wildcards', () => {
  assert.deepEqual(dockerNamespaces(ref('a.registry.example:5000/ns/app:1')), [
    'a.registry.example:5000/ns/app',
    'a.registry.example:5000/ns',
    'a.registry.example:5000',
    '*.registry.example',
    '*.example',
  ]);
});

test('the most specific entry gives the lookaside; an entry without one falls through to the next', () => {
  const read = (s: string) => lookasideBase(config, ref(s), false);
  assert.equal(read('registry.example/team/app:v1'), 'https://sigs.example/app-v1');
  assert.equal(read('registry.example/team/app:v2'), 'https://sigs.example/team');
  assert.equal(read('registry.example/team/sub/app:v2'), 'https://sigs.example/team');
  assert.equal(read('registry.example/other:1'), 'https://sigs.example/registry');
  assert.equal(read('registry.example/quiet:1'), 'https://sigs.example/registry');
  assert.equal(read('mirror.example/app:1'), 'https://sigs.example/wildcard');
  assert.equal(read('elsewhere.test/app:1'), 'file:///default');
});

test('writes go to lookaside-staging when the entry has one, else to its lookaside', () => {
  assert.equal(lookasideBase(config, ref('registry.example/other:1'), true), 'file:///staging/registry');
  assert.equal(lookasideBase(config, ref('registry.example/team/app:v2'), true), 'https://sigs.example/team');
});

test('use-sigstore-attachments comes from the most specific entry that sets it', () => {
  assert.equal(useSigstoreAttachments(config, ref('registry.example/app:1')), true);
  assert.equal(useSigstoreAttachments(config, ref('registry.example/quiet:1')), false);
  assert.equal(useSigstoreAttachments(config, ref('registry.example/team/app:1')), true);
  assert.equal(useSigstoreAttachments(config, ref('elsewhere.test/app:1')), false);
});

test('signature URLs are BASE/REPO@ALG=HEX/signature-N', () => {
  const hex = 'c'.repeat(64);
  const repo = lookasideRepositoryUrl(config, ref('registry.example/team/app:v2'), false);
  assert.equal(
    signatureUrl(repo, `sha256:${hex}`, 2).href,
    `https://sigs.example/team/team/app@sha256=${hex}/signature-2`,
  );
  const hub = lookasideRepositoryUrl(config, ref('busybox'), false);
  assert.equal(
    signatureUrl(hub, `sha256:${hex}`, 1).href,
    `file:///default/library/busybox@sha256=${hex}/signature-1`,
  );
});

test('every *.yaml file of the folder is merged; other files are ignored; a missing folder is empty', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'a.yaml'), 'default-docker:\n  lookaside: file:///a\n');
  await writeFile(join(dir, 'b.yaml'), 'docker:\n  registry.example:\n    lookaside: file:///b\n');
  await writeFile(join(dir, 'c.yml'), 'not: [read');
  const merged = await loadRegistriesConfig({ dir });
  assert.equal(lookasideBase(merged, ref('registry.example/x:1'), false), 'file:///b');
  assert.equal(lookasideBase(merged, ref('other.test/x:1'), false), 'file:///a');
  const empty = await loadRegistriesConfig({ dir: join(dir, 'missing') });
  assert.equal(lookasideBase(empty, ref('other.test/x:1'), false), undefined);
});

test('an entry defined in two files is refused, naming both; bad YAML names its file', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'a.yaml'), 'docker:\n  registry.example:\n    lookaside: file:///a\n');
  await writeFile(join(dir, 'b.yaml'), 'docker:\n  registry.example:\n    lookaside: file:///b\n');
  await assert.rejects(
    loadRegistriesConfig({ dir }),
    (err: unknown) =>
      isOciError(err, ErrorCode.INVALID_DOCUMENT) && /a\.yaml and .*b\.yaml/.test(err.message),
  );
  const bad = await scratch(t);
  await writeFile(join(bad, 'x.yaml'), 'docker: [unclosed');
  await assert.rejects(
    loadRegistriesConfig({ dir: bad }),
    (err: unknown) => isOciError(err, ErrorCode.INVALID_DOCUMENT) && /x\.yaml: not YAML/.test(err.message),
  );
  await writeFile(join(bad, 'x.yaml'), 'docker:\n  r.example:\n    lookaside: [1, 2]\n');
  await assert.rejects(loadRegistriesConfig({ dir: bad }), (err: unknown) =>
    isOciError(err, ErrorCode.INVALID_DOCUMENT),
  );
});

test('without --registries.d, the user folder is used when it exists, else the system one', async (t) => {
  const home = await scratch(t);
  const root = await scratch(t);
  assert.equal(await registriesDir({ home, systemRoot: root }), join(root, 'etc/containers/registries.d'));
  await mkdir(join(home, '.config/containers/registries.d'), { recursive: true });
  assert.equal(
    await registriesDir({ home, systemRoot: root }),
    join(home, '.config/containers/registries.d'),
  );
  assert.equal(await registriesDir({ dir: '/given', home }), '/given');
});

test('security: a registries.d file that is an alias bomb is refused with INVALID_DOCUMENT, not expanded', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) {
    const previous = `*a${i - 1}`;
    lines.push(`a${i}: &a${i} [${Array(10).fill(previous).join(', ')}]`);
  }
  lines.push('default-docker:', '  lookaside: file:///srv/sigstore', `bomb: *a9`);
  assert.throws(
    () => parseRegistriesFile(lines.join('\n'), 'bomb.yaml'),
    (err: unknown) => isOciError(err, ErrorCode.INVALID_DOCUMENT) && /bomb\.yaml/.test(err.message),
  );
});
