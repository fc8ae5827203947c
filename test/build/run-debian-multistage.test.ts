/**
 * A real multi-stage build: on a Debian base made with debootstrap (test/helpers/debian-base.ts,
 * cached between runs), a first stage installs gcc with apt-get from Debian's mirror and compiles
 * a static C program; a `FROM scratch` stage copies the binary alone. The result, unpacked by
 * `ocikit unpack`, runs under runc and prints what the program says.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from '../../src/build/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { debianBase } from '../helpers/debian-base.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { readImage } from './engine-helpers.ts';
import { layerNames } from './peer-layer-stubs.ts';

const PROGRAM = `#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  const char *who = getenv("WHO");
  printf("hello from a static binary, %s (%d args)\\n", who ? who : "nobody", argc);
  return 0;
}
`;

test('gcc installed by apt-get in a Debian stage builds a static binary that a FROM scratch stage runs under runc', async (t) => {
  const base = await debianBase();
  const dir = await scratch(t);
  const context = join(dir, 'ctx');
  await mkdir(context);
  await writeFile(join(context, 'hello.c'), PROGRAM);
  await writeFile(
    join(context, 'Dockerfile'),
    [
      `FROM ${base.name} AS build`,
      'RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*',
      'WORKDIR /src',
      'COPY hello.c .',
      'RUN gcc -static -O2 -o /hello hello.c && strip /hello',
      'FROM scratch',
      'COPY --from=build /hello /hello',
      'ENV WHO=runc',
      'ENTRYPOINT ["/hello"]',
      'CMD ["one", "two"]',
      '',
    ].join('\n'),
  );
  const layout = join(dir, 'out');
  await build({ context, cacheDir: join(dir, 'cache'), tags: [`oci:${layout}:img`] });

  const image = await readImage(layout);
  assert.equal(image.layers.length, 1, 'the final image is the binary alone');
  assert.deepEqual(await layerNames(image.layers[0] as string), ['hello']);

  const bundle = join(dir, 'bundle');
  const unpacked = await ocikit(['unpack', `oci:${layout}:img`, bundle]);
  assert.equal(unpacked.code, 0, unpacked.stderr);
  const id = `ocikit-debian-${process.pid}-${Date.now()}`;
  t.after(() => run('runc', ['delete', '--force', id]).catch(() => {}));
  const output = await run('runc', ['run', '--bundle', bundle, id]);
  assert.equal(output, 'hello from a static binary, runc (3 args)\n');
});
