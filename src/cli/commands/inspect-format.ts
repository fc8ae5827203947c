/**
 * The objects `inspect --format` templates are rendered over, shaped as skopeo's so the same
 * template prints the same text: skopeo inspect's output (Name, Tag, Digest, RepoTags, Created,
 * DockerVersion, Labels, Architecture, Os, Layers, Env) and, with `--config`, the OCI config as
 * image-spec's Go `v1.Image` (Created, Author, Architecture, OS, Config, RootFS, History).
 */
import type { Image } from '../../image/types.ts';
import type { ImageConfig } from '../../spec/index.ts';
import { type GoField, GoStruct, GoTime, goNil } from '../go-template.ts';

const time = (iso: string | undefined): GoTime | null => (iso === undefined ? null : new GoTime(iso));
const slice = (value: readonly string[] | null | undefined): unknown[] =>
  value ? [...value] : goNil('slice');
const stringMap = (value: Record<string, string> | null | undefined): Map<string, unknown> =>
  value ? new Map(Object.entries(value)) : goNil('map');
const setMap = (value: Record<string, object> | null | undefined): Map<string, unknown> =>
  value ? new Map(Object.keys(value).map((k) => [k, new GoStruct([])])) : goNil('map');
const field = (name: string, json: string, value: unknown, omitEmpty = false): GoField => ({
  name,
  json,
  value,
  omitEmpty,
});

/** skopeo inspect's output object for `image`, whose top document has `digest`. */
export async function skopeoInspectObject(
  image: Image,
  digest: string,
  registry: { name: string; tags: string[] } | undefined,
): Promise<GoStruct> {
  const config = (await image.config()).value;
  const run = config.config ?? {};
  return new GoStruct([
    field('Name', 'Name', registry?.name ?? '', true),
    field('Tag', 'Tag', '', true),
    field('Digest', 'Digest', digest),
    field('RepoTags', 'RepoTags', registry?.tags ?? []),
    field('Created', 'Created', time(config.created)),
    field('DockerVersion', 'DockerVersion', (config as { docker_version?: string }).docker_version ?? ''),
    field('Labels', 'Labels', stringMap(run.Labels)),
    field('Architecture', 'Architecture', config.architecture),
    field('Os', 'Os', config.os),
    field(
      'Layers',
      'Layers',
      image.document.value.layers.map((l) => l.digest),
    ),
    field('Env', 'Env', slice(run.Env)),
  ]);
}

/** The config as image-spec's Go `v1.Image` (what `skopeo inspect --config --format` sees). */
export function goImageConfig(config: ImageConfig): GoStruct {
  const run = config.config ?? {};
  const history = (config.history ?? []).map(
    (h) =>
      new GoStruct([
        field('Created', 'created', time(h.created), true),
        field('CreatedBy', 'created_by', h.created_by ?? '', true),
        field('Author', 'author', h.author ?? '', true),
        field('Comment', 'comment', h.comment ?? '', true),
        field('EmptyLayer', 'empty_layer', h.empty_layer ?? false, true),
      ]),
  );
  return new GoStruct([
    field('Created', 'created', time(config.created), true),
    field('Author', 'author', config.author ?? '', true),
    field('Architecture', 'architecture', config.architecture),
    field('OS', 'os', config.os),
    field(
      'Config',
      'config',
      new GoStruct([
        field('User', 'User', run.User ?? '', true),
        field('ExposedPorts', 'ExposedPorts', setMap(run.ExposedPorts), true),
        field('Env', 'Env', slice(run.Env), true),
        field('Entrypoint', 'Entrypoint', slice(run.Entrypoint), true),
        field('Cmd', 'Cmd', slice(run.Cmd), true),
        field('Volumes', 'Volumes', setMap(run.Volumes), true),
        field('WorkingDir', 'WorkingDir', run.WorkingDir ?? '', true),
        field('Labels', 'Labels', stringMap(run.Labels), true),
        field('StopSignal', 'StopSignal', run.StopSignal ?? '', true),
      ]),
    ),
    field(
      'RootFS',
      'rootfs',
      new GoStruct([
        field('Type', 'type', config.rootfs.type),
        field('DiffIDs', 'diff_ids', slice(config.rootfs.diff_ids)),
      ]),
    ),
    field('History', 'history', config.history ? history : goNil('slice'), true),
  ]);
}
