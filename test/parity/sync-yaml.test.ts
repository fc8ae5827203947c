/**
 * A hostile or mistaken sync YAML file is refused before any registry is asked for anything:
 * INVALID_ARGUMENT naming the file and what is wrong (an unknown key, a wrong type, a pattern that
 * does not compile, a range that does not parse), and nothing written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('ocikit sync --src yaml refuses a bad file', () => {
  const makeDir = suiteScratch(after);
  // A port nothing listens on: a refusal that came from the network would say so instead.
  const host = '127.0.0.1:9';

  const cases: Array<[string, string, RegExp]> = [
    ['unknown key', `${host}:\n  imagez:\n    app: []\n`, /imagez|Unrecognized key/],
    ['wrong type', `${host}:\n  images: [app]\n`, /images/],
    ['bad pattern', `${host}:\n  images-by-tag-regex:\n    app: "(unclosed"\n`, /invalid tag pattern/],
    ['bad range', `${host}:\n  images-by-semver:\n    app: ">=> nonsense"\n`, /invalid semver range/],
    ['not YAML', `${host}: [\n`, /not YAML/],
  ];
  for (const [name, text, message] of cases) {
    test(name, async () => {
      const dir = await makeDir();
      const file = join(dir, 'sync.yaml');
      await writeFile(file, text);
      const out = join(dir, 'out');
      const result = await ocikit(['sync', '--src', 'yaml', '--dest', 'oci', file, out]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /INVALID_ARGUMENT/);
      assert.match(result.stderr, message);
      assert.ok(result.stderr.includes(file), result.stderr);
      assert.equal(existsSync(out), false);
    });
  }
});
