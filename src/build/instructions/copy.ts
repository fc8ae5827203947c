/**
 * COPY and ADD: the sources expanded and resolved (the context with its .dockerignore, an earlier
 * stage, or an image), the destination made absolute against WORKDIR (a trailing `/` kept), the
 * layer keyed by what is read, and written through the cache. `--link` (without `--chmod`, as
 * in BuildKit) copies onto an empty filesystem, so its layer does not depend on the stage below.
 * ADD unpacks local tar archives (copy/archive.ts) and downloads http(s) URLs (copy/url.ts); Git
 * sources are UNSUPPORTED for now.
 */
import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { formatPlatform } from '../../platform/index.ts';
import { stepKey } from '../cache/keys.ts';
import type { SourceRoot } from '../context/root.ts';
import { unpackArchive } from '../copy/archive.ts';
import { type ChmodSpec, parseChmod } from '../copy/chmod.ts';
import { emitCopy } from '../copy/emit.ts';
import { checkSourcesUnchanged, fingerprintWithIdentity } from '../copy/fingerprint.ts';
import { type CopyItem, type PlanOptions, planSource, type SourceItem } from '../copy/plan.ts';
import { tarOf } from '../copy/tar-stream.ts';
import { download } from '../copy/url.ts';
import type { Instruction } from '../dockerfile/types.ts';
import { components } from '../path-components.ts';
import { RootfsTree } from '../rootfs/tree.ts';
import { needsLookup, type Owner, resolveOwner } from '../rootfs/users.ts';
import type { PlatformRun } from '../session.ts';
import { expandBody, expandWord } from '../stage/expand.ts';
import { type LayerStepResult, layerStep, storeEntries } from '../stage/layer-step.ts';
import type { StageState } from '../stage/state.ts';
import { fromRoot } from './from-root.ts';

type CopyInstruction = Extract<Instruction, { kind: 'COPY' | 'ADD' }>;

/** Where a COPY reads from: its root (unpacked lazily for stages and images) and what identifies its content. */
interface CopyFrom {
  /** A stable identity for cache keys when the content is not fingerprinted file by file. */
  readonly identity?: string;
  readonly root: () => Promise<SourceRoot>;
}

/** The destination BuildKit's pathRelativeToWorkingDir gives: absolute, with a trailing `/` kept. */
export function absoluteDest(workdir: string, dest: string): string {
  const keepSlash = dest.endsWith('/') || dest.endsWith('/.') || dest === '.' || dest === '';
  const joined = dest.startsWith('/') ? dest : `${workdir === '' ? '/' : workdir}/${dest}`;
  const clean = `/${components(joined).join('/')}`;
  return keepSlash && clean !== '/' ? `${clean}/` : clean;
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** A Git source as BuildKit recognises one (`git@…`, `git://…`, or a URL path ending in `.git`). */
function isGit(source: string): boolean {
  return /^(?:git@|git:\/\/|ssh:\/\/)/i.test(source) || /^https?:\/\/[^#]*\.git(?:#.*)?$/i.test(source);
}

async function sourceOf(run: PlatformRun, state: StageState, ins: CopyInstruction): Promise<CopyFrom> {
  const { session } = run;
  const from = ins.kind === 'COPY' ? ins.from : undefined;
  if (from === undefined) return { root: async () => session.context };
  return fromRoot(run, state, from, ins);
}

/** Runs a COPY or ADD; returns its history text and what the layer step did. */
export async function copyStep(
  run: PlatformRun,
  state: StageState,
  ins: CopyInstruction,
): Promise<{ text: string; result: LayerStepResult }> {
  const { session } = run;
  const word = (w: string): string => expandWord(session, state.env, w);
  const sources = ins.sources.map(word);
  const destWritten = word(ins.dest);
  const chown = ins.chown === undefined ? '' : word(ins.chown);
  const chmodText = ins.chmod === undefined ? '' : word(ins.chmod);
  const parents = ins.kind === 'COPY' && ins.parents;
  const git = sources.find(isGit);
  if (ins.kind === 'ADD' && git !== undefined) {
    throw new OciError(ErrorCode.UNSUPPORTED, `ADD of a Git repository (${git}) is not supported yet`);
  }
  const urls = ins.kind === 'ADD' ? sources.filter(isUrl) : [];
  const checksum = ins.kind === 'ADD' && ins.checksum !== undefined ? word(ins.checksum) : undefined;
  if (ins.kind === 'COPY' && sources.some(isUrl)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, "source can't be a URL for COPY");
  }
  if (checksum !== undefined && (urls.length !== 1 || sources.length !== 1)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'checksum requires exactly one HTTP(S) source');
  }
  let chmod: ChmodSpec | undefined;
  let chmodOctal: number | undefined;
  if (chmodText !== '') {
    chmod = parseChmod(chmodText);
    if (/^[0-7]+$/.test(chmodText)) chmodOctal = Number.parseInt(chmodText, 8);
  }
  const inline = ins.inline.map((h) => ({
    kind: 'inline' as const,
    name: h.name,
    content: Buffer.from(h.expand ? expandBody(session, state.env, h.content) : h.content, 'utf8'),
  }));
  const dest = absoluteDest(state.config.config?.WorkingDir ?? '/', destWritten);
  const flags = [
    parents ? ' --parents' : '',
    chown !== '' ? ` --chown=${chown}` : '',
    chmodText !== '' ? ` --chmod=${chmodText}` : '',
  ];
  const listed = [...sources, ...inline.map((i) => `<<${i.name}`)];
  const text = `${ins.kind}${flags.join('')} ${listed.join(' ')} ${destWritten}`;
  const link = ins.link && chmodText === '';

  const from = await sourceOf(run, state, ins);
  const planOptions: PlanOptions = {
    ...(ins.exclude.length > 0 ? { exclude: session.matcher(ins.exclude) } : {}),
    ...(parents ? { parents: (pattern: string) => session.matcher([pattern]) } : {}),
  };
  const clampNs = session.time.setting === 'now' ? undefined : BigInt(session.time.seconds) * 1_000_000_000n;
  let planned: SourceItem[] | undefined;
  const plan = async (): Promise<SourceItem[]> => {
    if (planned === undefined) {
      const root = await from.root();
      const items: SourceItem[] = [];
      for (const source of sources) {
        if (isUrl(source)) items.push(await urlItem(source, session.scratchDir, session.signal, checksum));
        else items.push(...planSource(root, source, planOptions));
      }
      planned = [...items, ...inline];
    }
    return planned;
  };
  // Names in --chown are looked up in the stage below; with --link the key cannot stand on that
  // stage, so the resolved ids go into it instead.
  let owner: Owner | undefined;
  if (chown !== '' && (link || !needsLookup(chown)))
    owner = await resolveOwner(chown, state.fs, { signal: session.signal });
  // Sources read from the context are fingerprinted (their identity kept, to check after the
  // layer is written that they did not change in between); a stage or image is its identity.
  const fingerprinted =
    from.identity === undefined ? fingerprintWithIdentity(await plan(), clampNs) : undefined;
  const content = from.identity ?? fingerprinted?.fingerprint;
  const parts = [
    text,
    dest,
    ins.exclude,
    link,
    // `--unpack=false` copies the archive a plain ADD unpacks; heredoc bodies are not in `text`
    // and, next to `--from`, not in `content` either.
    ins.kind === 'ADD' ? String(ins.unpack ?? 'default') : '',
    inline.map((i) => createHash('sha256').update(i.content).digest('hex')),
    content,
    owner ?? chown,
    formatPlatform(state.platform),
    String(session.time.setting),
  ];
  const key = link ? stepKey(['link', ...parts]) : stepKey([state.key, ...parts]);
  state.key = link ? stepKey([state.key, key]) : key;

  const result = await layerStep(run, state, key, async () => {
    const unpack = ins.kind === 'ADD' && ins.unpack !== false;
    const items = unpack
      ? await unpackArchives(session.scratchDir, await plan(), session.signal, urls)
      : await plan();
    const tree = link ? new RootfsTree() : await state.fs.tree({ signal: session.signal });
    owner ??= chown === '' ? undefined : await resolveOwner(chown, state.fs, { signal: session.signal });
    const several = sources.length + inline.length > 1 || items.length > 1;
    if (several && !dest.endsWith('/')) {
      const found = tree.resolve(dest, true);
      if (found.node === undefined || tree.dirAt(found.real) === undefined) {
        throw new OciError(
          ErrorCode.INVALID_ARGUMENT,
          `When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`,
        );
      }
    }
    const entries = emitCopy(items, {
      tree,
      layer: state.fs.layers.length,
      dest,
      ...(owner !== undefined ? { owner } : {}),
      ...(chmod !== undefined ? { chmod } : {}),
      ...(chmodOctal !== undefined ? { chmodOctal } : {}),
      ...(clampNs !== undefined ? { clampNs } : {}),
      nowNs: BigInt(session.time.seconds) * 1_000_000_000n,
    });
    const layer = await storeEntries(session, entries, (e) => tarOf(e, session.signal));
    if (fingerprinted !== undefined) {
      checkSourcesUnchanged(await plan(), fingerprinted.identity, session.context.label);
    }
    return layer === undefined ? {} : link ? { layer } : { layer, tree };
  });
  return { text: `${text} # buildkit`, result };
}

/** A downloaded URL as a copy item. */
async function urlItem(
  url: string,
  scratchDir: string,
  signal: AbortSignal,
  checksum?: string,
): Promise<CopyItem> {
  const fetched = await download(url, scratchDir, signal, checksum);
  return {
    kind: 'path',
    root: { dir: fetched.dir, label: url, keepOwners: false },
    path: fetched.name,
    stats: lstatSync(`${fetched.dir}/${fetched.name}`, { bigint: true }),
    name: fetched.name,
    filter: {},
  };
}

/** ADD: each local file item that is a tar archive replaced by the directory it unpacks to (never a URL's). */
async function unpackArchives(
  scratchDir: string,
  items: SourceItem[],
  signal: AbortSignal,
  urls: readonly string[],
): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for (const item of items) {
    if (item.kind !== 'path' || !item.stats.isFile() || urls.includes(item.root.label)) {
      out.push(item);
      continue;
    }
    const archive = await unpackArchive(`${item.root.dir}/${item.path}`, item.stats, scratchDir, signal);
    if (archive === undefined) {
      out.push(item);
      continue;
    }
    const { dir, headers } = archive;
    const unpacked: CopyItem = {
      kind: 'path',
      root: {
        dir,
        label: `archive ${JSON.stringify(item.path)}`,
        keepOwners: true,
        attributes: (path, stats) => headers.attributes(path, stats),
      },
      path: '',
      stats: lstatSync(dir, { bigint: true }),
      name: item.name,
      filter: {},
    };
    out.push(unpacked);
  }
  return out;
}
