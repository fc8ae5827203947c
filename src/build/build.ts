/**
 * `build(options)`: a Dockerfile built without a daemon (issue "Build I"). The Dockerfile is
 * parsed, each target platform runs the stages its target needs (independent stages at once),
 * layer steps go through the cache, and only when every platform has succeeded is the image (or
 * index) written to each destination. Nothing is written to a destination on failure.
 */
import { lstat, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { copyImage } from '../copy/index.ts';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import { parsePlatform } from '../platform/index.ts';
import type { TopDocument } from '../spec/index.ts';
import { openSink } from '../transports/index.ts';
import { defaultCacheDir, LocalCache } from './cache/local.ts';
import { RemoteCache } from './cache/remote.ts';
import type { SourceRoot } from './context/root.ts';
import { parseDockerfile, parseOnbuildTrigger } from './dockerfile/index.ts';
import { createIgnoreMatcher, readIgnorePatterns } from './ignore/index.ts';
import type { BuildOptions, BuildResult } from './options.ts';
import { assembleIndex, type BuiltImage } from './output/assemble.ts';
import { BuiltSource } from './output/source.ts';
import { buildPlatform, defaultPlatform } from './platform-build.ts';
import type { BuildEvent } from './progress.ts';
import type { BuildSession } from './session.ts';
import { createShellLexer } from './shell/index.ts';
import { unusedArgs } from './stage/args.ts';
import { resolveBuildTime } from './time.ts';

async function readDockerfile(
  options: BuildOptions,
  contextDir: string,
): Promise<{ text: string; path?: string; file: string }> {
  if (options.dockerfileText !== undefined) return { text: options.dockerfileText, file: 'Dockerfile' };
  const path = resolve(options.dockerfile ?? join(contextDir, 'Dockerfile'));
  try {
    return { text: await readFile(path, 'utf8'), path, file: basename(path) };
  } catch (err) {
    throw new OciError(ErrorCode.NOT_FOUND, `cannot read the Dockerfile ${path}: ${(err as Error).message}`, {
      data: { path },
      cause: err,
    });
  }
}

async function contextRoot(given: string, dockerfilePath: string | undefined): Promise<SourceRoot> {
  // The context itself may be named through symlinks; inside it, symlinks resolve within it.
  const dir = await realpath(given).catch(() => undefined);
  const stats = dir === undefined ? undefined : await lstat(dir);
  if (dir === undefined || stats === undefined || !stats.isDirectory()) {
    throw new OciError(ErrorCode.NOT_FOUND, `the build context ${given} is not a directory`, {
      data: { context: given },
    });
  }
  const patterns = await readIgnorePatterns(dir, dockerfilePath);
  return {
    dir,
    label: 'build context',
    keepOwners: false,
    ...(patterns.length > 0 ? { ignore: createIgnoreMatcher(patterns) } : {}),
  };
}

/** Builds a Dockerfile; see {@link BuildOptions}. */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const controller = new AbortController();
  const outer = options.signal;
  outer?.throwIfAborted();
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  const warnings: string[] = [];
  let cachedSteps = 0;
  let builtSteps = 0;
  const emit = (event: BuildEvent): void => {
    if (event.kind === 'step' && event.status !== 'started' && !event.text.startsWith('FROM ')) {
      if (event.cached) cachedSteps++;
      else builtSteps++;
    }
    options.onProgress?.(event);
  };
  const contextDir = resolve(options.context ?? '.');
  const dockerfile = await readDockerfile(options, contextDir);
  const parsed = parseDockerfile(dockerfile.text, { file: dockerfile.file });
  const context = await contextRoot(contextDir, dockerfile.path);
  const time = resolveBuildTime(options.timestamp);
  // Absolute: RUN steps hand paths under the cache to mount and runc, which resolve them elsewhere.
  const cache = await LocalCache.open(resolve(options.cacheDir ?? defaultCacheDir()), {
    reuseCompressed: options.noCache !== true,
  });
  // Unpacked stages go beside the cache (same filesystem as the layers, chosen by the user).
  const scratchDir = await mkdtemp(join(cache.dir, 'tmp-'));
  const warn = (message: string, line?: number): void => {
    warnings.push(message);
    emit({ kind: 'warning', message, ...(line !== undefined ? { line } : {}) });
  };
  for (const w of parsed.warnings) warn(w.message, w.range?.startLine);
  const transport = options.transport ?? {};
  const session: BuildSession = {
    dockerfile: parsed,
    lexer: createShellLexer(parsed.directives.escape),
    bodyLexer: createShellLexer(parsed.directives.escape, { skipProcessQuotes: true }),
    context,
    matcher: (patterns) => createIgnoreMatcher([...patterns]),
    parseTrigger: (text) => parseOnbuildTrigger(text, { file: dockerfile.file }),
    time,
    cache,
    ...(options.cacheRepo !== undefined
      ? { remote: new RemoteCache(options.cacheRepo, cache, transport, (m) => warn(m)) }
      : {}),
    noCache: options.noCache === true,
    ...(options.network !== undefined ? { network: options.network } : {}),
    ...(options.secrets !== undefined ? { secrets: new Map(Object.entries(options.secrets)) } : {}),
    buildArgs: new Map(Object.entries(options.buildArgs ?? {})),
    usedArgs: new Set(),
    labels: options.labels ?? {},
    transport,
    scratchDir,
    computed: [],
    emit,
    warn,
    signal: controller.signal,
    images: new Map(),
    background: new Set(),
    nextStep: 1,
  };
  try {
    const explicit = options.platforms !== undefined && options.platforms.length > 0;
    const targets = explicit
      ? (options.platforms as string[]).map((p) => parsePlatform(p))
      : [defaultPlatform()];
    let built: BuiltImage[];
    try {
      built = await Promise.all(
        targets.map((target) =>
          buildPlatform(session, target, {
            implicit: !explicit,
            multi: targets.length > 1,
            target: options.target,
          }),
        ),
      );
    } catch (err) {
      controller.abort();
      throw err;
    }
    const unused = unusedArgs(session);
    if (unused.length > 0) warn(`one or more build args [${unused.join(' ')}] were not consumed`);
    const top: TopDocument = targets.length === 1 ? (built[0] as BuiltImage).manifest : assembleIndex(built);
    const source = new BuiltSource(top, built);
    const references: string[] = [];
    for (const name of options.tags ?? []) {
      const sink = await openSink(name, transport);
      try {
        const written = await copyImage(source, sink, {
          allPlatforms: true,
          signal: controller.signal,
          onProgress: (event) => emit({ kind: 'blob', ...event }),
        });
        references.push(written.reference);
      } finally {
        await sink.close();
      }
    }
    if (session.remote !== undefined) {
      for (const { key, platform } of session.computed)
        await cache.compressStep(key, platform, { signal: controller.signal });
      await session.remote.push(
        session.computed.map((c) => c.key),
        { signal: controller.signal },
      );
    }
    return {
      digest: top.digest,
      mediaType: top.mediaType,
      document: top,
      references,
      images: built.map((image) => ({
        platform: image.platform,
        digest: image.manifest.digest,
        config: image.configValue,
      })),
      warnings,
      cachedSteps,
      builtSteps,
    };
  } catch (err) {
    throw outer?.aborted ? toOciError(err) : err;
  } finally {
    outer?.removeEventListener('abort', onAbort);
    while (session.background.size > 0) await Promise.allSettled([...session.background]);
    const opened = await Promise.allSettled(session.images.values());
    for (const result of opened) if (result.status === 'fulfilled') await result.value.image.source.close();
    await rm(scratchDir, { recursive: true, force: true });
  }
}
