/**
 * `ocikit serve [ROOT]`: a distribution-spec registry over a folder of OCI image layouts, with the
 * web explorer for its repositories under `/ui/` (behind the same credentials as pulls).
 */
import { Command } from '@commander-js/extra-typings';
import { parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import type { ExplorerHandler, ExplorerRepositories } from '../../explore/index.ts';
import { formatLogLine, Repositories, startServer } from '../../serve/index.ts';
import { checkRepositoryName, isTag } from '../../serve/names.ts';
import { refNameOf } from '../../store/index.ts';
import { idleWhenStill, loadMemoryGovernor } from '../memory-watch.ts';
import { commandSignal } from '../signal.ts';

/** Where the explorer is mounted. */
export const UI_PREFIX = '/ui';

/**
 * The repositories under `root` as the explorer browses them: names and tags from index.json,
 * images read through the layout, pinned to a digest. Nothing is created or written; names and
 * references are checked against the distribution grammar before they name a folder, and every
 * folder is walked with lstat (serve's own Repositories), so no request reads outside `root`.
 */
export function layoutRepositories(root: string): ExplorerRepositories {
  const repositories = new Repositories(root);
  const open = async (name: string) => repositories.open(checkRepositoryName(name));
  return {
    names: () => repositories.names(),
    async tags(name) {
      const repo = await open(name);
      const out = [];
      for (const entry of (await repositories.index(repo)).manifests) {
        const tag = refNameOf(entry);
        if (tag !== undefined) out.push({ tag, digest: entry.digest, mediaType: entry.mediaType });
      }
      return out;
    },
    async open(name, ref) {
      if (!isTag(ref)) parseSupportedDigest(ref);
      const repo = await open(name);
      let digest: string;
      try {
        digest = (await repo.layout.resolve(ref)).digest;
      } catch (err) {
        // The layout's own message names its folder on the server: say it in the registry's terms.
        if (isOciError(err, ErrorCode.NOT_FOUND))
          throw new OciError(ErrorCode.NOT_FOUND, `${name} has no image ${ref}`);
        throw err;
      }
      const { formatLayoutReference, layoutSource } = await import('../../transports/layout/index.ts');
      const pinned = { dir: repo.layout.root, digest: digest as never };
      return {
        digest,
        image: {
          name: isTag(ref) ? `${name}:${ref}` : `${name}@${digest}`,
          source: layoutSource(pinned),
          reference: formatLayoutReference(pinned),
        },
      };
    },
  };
}

/** Registers `serve`. */
export function serveCommand() {
  return new Command('serve')
    .description(
      'serve the OCI image layouts under ROOT as a registry (ROOT/org/app is the repository org/app), and the web explorer under /ui/',
    )
    .argument('[root]', 'folder of layouts, one per repository', '.')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5000')
    .option('--read-only', 'refuse pushes and deletes')
    .option('--htpasswd <file>', 'require basic auth against this htpasswd file (bcrypt entries)')
    .option('--anonymous-read', 'with --htpasswd: pulls need no credentials')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'the key of --tls-cert (PEM)')
    .option('--json-logs', 'log each request as a JSON line (default: a text line)')
    .option('--no-ui', 'do not serve the web explorer under /ui/')
    .action(async (root, options) => {
      const signal = commandSignal();
      const json = options.jsonLogs === true;
      let mount: { prefix: string; handle: ExplorerHandler } | undefined;
      if (options.ui !== false) {
        // The explorer (and the trust and transport code it reads images with) loads on the first
        // /ui/ request, so a registry that nobody browses starts and runs without it.
        let explorer: Promise<ExplorerHandler> | undefined;
        mount = {
          prefix: UI_PREFIX,
          handle: async (req, res) => {
            explorer ??= import('../../explore/index.ts').then(({ createExplorerHandler }) =>
              createExplorerHandler({ repositories: layoutRepositories(root), prefix: UI_PREFIX }),
            );
            await (await explorer)(req, res);
          },
        };
      }
      const server = await startServer({
        root,
        listen: options.listen,
        readOnly: options.readOnly === true,
        anonymousRead: options.anonymousRead === true,
        ...(options.htpasswd === undefined ? {} : { htpasswd: options.htpasswd }),
        ...(options.tlsCert === undefined ? {} : { tlsCert: options.tlsCert }),
        ...(options.tlsKey === undefined ? {} : { tlsKey: options.tlsKey }),
        ...(mount === undefined ? {} : { mount }),
        log: (entry) => process.stderr.write(`${formatLogLine(entry, json)}\n`),
      });
      process.stderr.write(
        json
          ? `${JSON.stringify({ listening: server.url, root })}\n`
          : `ocikit: serving ${root} on ${server.url}\n`,
      );
      // A server streams from its first push: the governor is set up now, while it waits, rather
      // than (a V8 context made, a few milliseconds) in the middle of that push.
      loadMemoryGovernor();
      // It runs for as long as it is not stopped: idle, it should sleep (memory-watch.ts).
      idleWhenStill();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
    });
}
