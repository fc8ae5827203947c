/**
 * What the buildah comparison compares, with what differs for no reason a user sees taken out:
 * the config without times, ids and buildah's own label; history as the instruction and whether
 * it made a layer; and the rootfs after a real unpack, as path, type, mode, owner, size, content
 * hash and link target (no times).
 *
 * History texts: buildah writes `/bin/sh -c #(nop) ENV A=1` and `COPY file:<hash> in /dst/`,
 * BuildKit writes `ENV A=1` and `COPY a.txt /dst/ # buildkit`, and Go-formatted lists
 * (`EXPOSE map[80/tcp:{}]`) that differ again. So an entry is compared as its instruction keyword
 * and `empty_layer`: what the instruction did is compared through the config and the rootfs.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from '../../src/spec/index.ts';

/** The config fields a Dockerfile sets, normalised (empty lists and maps count as absent). */
export interface NormalConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  author?: string;
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: string[];
  Volumes?: string[];
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
  OnBuild?: string[];
  Shell?: string[];
}

/** One history entry: the instruction keyword and whether it made no layer. */
export interface NormalHistory {
  instruction: string;
  empty_layer: boolean;
}

/** One path of the unpacked rootfs. */
export interface ListingEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: string;
  owner: string;
  size?: number;
  sha256?: string;
  link?: string;
}

/** An image as compared. */
export interface Normalised {
  config: NormalConfig;
  history: NormalHistory[];
  /** Layers in the image (history entries that are not `empty_layer`, checked against diff_ids). */
  layers: number;
  files: ListingEntry[];
}

/** Labels buildah adds to every image it writes. */
const BUILDAH_LABELS = ['io.buildah.version'];

function nonEmptyList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value.map(String) : undefined;
}

function nonEmptyKeys(value: unknown): string[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const keys = Object.keys(value).sort();
  return keys.length > 0 ? keys : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Drops undefined members, so deepEqual compares only what is set. */
function defined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

/** The keyword of a `created_by` text in either tool's form. */
export function historyInstruction(createdBy: string | undefined): string {
  let text = (createdBy ?? '').trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
  if (nop) text = text.slice(nop[0].length);
  else if (text.startsWith('/bin/sh -c ') || /^\|[0-9]+ /.test(text)) return 'RUN';
  text = text.replace(/\s*# buildkit$/, '');
  return (text.split(/\s/, 1)[0] ?? '').toUpperCase();
}

/** The config and history of an image config document (its raw JSON). */
export function normaliseConfig(config: ImageConfig): Pick<Normalised, 'config' | 'history' | 'layers'> {
  const c = (config.config ?? {}) as Record<string, unknown>;
  const labels = { ...((c.Labels as Record<string, string> | null | undefined) ?? {}) };
  for (const key of BUILDAH_LABELS) delete labels[key];
  const health = c.Healthcheck as Record<string, unknown> | undefined;
  const normal: NormalConfig = defined({
    architecture: nonEmptyString(config.architecture),
    os: nonEmptyString(config.os),
    variant: nonEmptyString(config.variant),
    author: nonEmptyString(config.author),
    Env: nonEmptyList(c.Env),
    Cmd: nonEmptyList(c.Cmd),
    Entrypoint: nonEmptyList(c.Entrypoint),
    WorkingDir: nonEmptyString(c.WorkingDir),
    User: nonEmptyString(c.User),
    ExposedPorts: nonEmptyKeys(c.ExposedPorts),
    Volumes: nonEmptyKeys(c.Volumes),
    Labels: Object.keys(labels).length > 0 ? labels : undefined,
    StopSignal: nonEmptyString(c.StopSignal),
    Healthcheck: health && nonEmptyList(health.Test) ? defined({ ...health }) : undefined,
    OnBuild: nonEmptyList(c.OnBuild),
    Shell: nonEmptyList(c.Shell),
  });
  const history = (config.history ?? []).map((h) => ({
    instruction: historyInstruction(h.created_by),
    empty_layer: h.empty_layer === true,
  }));
  return { config: normal, history, layers: config.rootfs.diff_ids.length };
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Every path below `root`, sorted, with what a container sees of it (times left out). */
export async function listRootfs(root: string): Promise<ListingEntry[]> {
  const out: ListingEntry[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const name of (await readdir(rel === '' ? root : join(root, rel))).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = join(root, path);
      const st = await lstat(abs);
      const entry: ListingEntry = {
        path,
        type: st.isFile()
          ? 'file'
          : st.isDirectory()
            ? 'directory'
            : st.isSymbolicLink()
              ? 'symlink'
              : 'other',
        mode: octal(st.mode),
        owner: `${st.uid}:${st.gid}`,
      };
      if (st.isFile()) {
        entry.size = st.size;
        entry.sha256 = createHash('sha256')
          .update(await readFile(abs))
          .digest('hex');
      }
      if (st.isSymbolicLink()) entry.link = await readlink(abs);
      out.push(entry);
      if (st.isDirectory()) await visit(path);
    }
  };
  await visit('');
  return out.sort(byPath);
}

/** Orders listing entries by path, as plain strings. */
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * What buildah 1.28 leaks into layers (DESIGN §5): empty `dev/`, `proc/`, `sys/`, `run/` and
 * 0-byte mount stubs in `etc/`. Such a path is dropped from buildah's listing only when the other
 * listing does not have it, so a real difference on those paths still shows.
 */
export function dropBuildahLeaks(buildah: ListingEntry[], other: readonly ListingEntry[]): ListingEntry[] {
  const present = new Set(other.map((e) => e.path));
  const isLeak = (e: ListingEntry): boolean =>
    (['dev', 'proc', 'sys', 'run'].includes(e.path) && e.type === 'directory') ||
    (['etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'run/.containerenv'].includes(e.path) &&
      e.type === 'file' &&
      e.size === 0) ||
    (e.path === 'etc' && e.type === 'directory');
  const leaks = buildah.filter((e) => isLeak(e) && !present.has(e.path));
  const dropped = new Set(leaks.map((e) => e.path));
  // A leaked directory goes only if nothing else of buildah's is below it.
  return buildah.filter(
    (e) =>
      !dropped.has(e.path) ||
      (e.type === 'directory' &&
        buildah.some((o) => o.path.startsWith(`${e.path}/`) && !dropped.has(o.path))),
  );
}
