/**
 * `inspect --format TEMPLATE`: the Go template subset renders the same text as `skopeo inspect
 * --format` over the same object (skopeo's inspect output; with `--config`, the OCI config with
 * Go's field names), for fields, maps, slices, times, `range`, `index`; `json` (which skopeo 1.9
 * lacks) gives skopeo's own inspect JSON. Bad templates fail with a clear error.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

const INSPECT = [
  '{{.Digest}}',
  '{{.Env}}',
  '{{.Labels}}',
  '{{range .Env}}<{{.}}>{{end}}',
  '{{index .Labels "x"}}|{{.Labels.x}}|{{.Labels.nope}}|{{index .Labels "nope"}}',
  '{{.Layers}}',
  '{{.RepoTags}}',
  '{{.Created}}',
  '{{.Name}}|{{.DockerVersion}}',
  '{{.Architecture}}/{{.Os}}',
  '{{range $i, $e := .Env}}{{$i}}={{$e}};{{end}}',
  '{{index .Env 1}}',
  '{{if .Labels}}labelled{{else}}bare{{end}} {{range .RepoTags}}t{{else}}no tags{{end}}',
];
const CONFIG = [
  '{{.Config.Env}}',
  '{{.OS}}/{{.Architecture}}',
  '{{.RootFS}}',
  '{{.RootFS.Type}} {{.RootFS.DiffIDs}}',
  '{{.Created}}',
  '{{.Config.ExposedPorts}}',
  '{{.Config.Labels}}',
  '{{.Config.Volumes}}',
  '{{.Config.Cmd}}|{{.Config.Entrypoint}}|{{.Config.User}}|{{.Config.WorkingDir}}',
  '{{.History}}',
  '{{range $k, $v := .Config.Labels}}{{$k}}->{{$v}} {{end}}',
];

describe('inspect --format', () => {
  const makeDir = suiteScratch(after);
  let images: string[];

  before(async () => {
    const dir = await makeDir();
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/f'), 'x\n');
    const base = `oci:${join(dir, 'layout')}:base`;
    const app = `oci:${join(dir, 'layout')}:app`;
    await ok(['append', 'scratch', join(dir, 'root'), '-t', base]);
    await ok([
      'mutate',
      base,
      '--env',
      'A=1',
      '--env',
      'B=<2>&',
      '--label',
      'x=y',
      '--label',
      'a=b',
      '--expose',
      '80',
      '--volume',
      '/data',
      '--workdir',
      '/w',
      '--cmd',
      '["sh","-c","true"]',
      '-t',
      app,
    ]);
    const docker = `dir:${join(dir, 'docker')}`;
    await ok(['copy', '-q', '--format', 'docker', app, docker]);
    images = [app, docker];
  });

  test('renders what skopeo inspect --format renders', async () => {
    for (const image of images) {
      for (const template of INSPECT) {
        const theirs = await run('skopeo', ['inspect', '--format', template, image]);
        assert.equal(
          await ok(['inspect', '--format', template, image]),
          theirs.trim(),
          `${image} ${template}`,
        );
      }
      for (const template of CONFIG) {
        const theirs = await run('skopeo', ['inspect', '--config', '--format', template, image]);
        assert.equal(
          await ok(['inspect', '--config', '--format', template, image]),
          theirs.trim(),
          `${image} --config ${template}`,
        );
      }
    }
  });

  test('json gives the objects skopeo inspect prints, compact and HTML-safe as Go writes it', async () => {
    for (const image of images) {
      const whole = await ok(['inspect', '--format', '{{json .}}', image]);
      assert.deepEqual(JSON.parse(whole), JSON.parse(await run('skopeo', ['inspect', image])));
      const config = await ok(['inspect', '--config', '--format', '{{json .}}', image]);
      assert.deepEqual(JSON.parse(config), JSON.parse(await run('skopeo', ['inspect', '--config', image])));
      assert.equal(await ok(['inspect', '--format', '{{json .Labels}}', image]), '{"a":"b","x":"y"}');
      assert.equal(
        await ok(['inspect', '--format', '{{.Env | json}}', image]),
        '["A=1","B=\\u003c2\\u003e\\u0026"]',
      );
      assert.equal(
        await ok(['inspect', '--format', '{{len .Env}} {{- " " -}} {{len .Labels}}', image]),
        '2 2',
      );
    }
  });

  test('a template naming a missing field, or malformed, fails with a clear error', async () => {
    const missing = await ocikit(['inspect', '--format', '{{.Nope}}', images[0] as string]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ocikit: INVALID_ARGUMENT: .*can't evaluate field Nope/m);
    for (const bad of ['{{range .Env}}', '{{.Env', '{{nope .Env}}', '{{end}}']) {
      const result = await ocikit(['inspect', '--format', bad, images[0] as string]);
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /--format/);
    }
  });
});
