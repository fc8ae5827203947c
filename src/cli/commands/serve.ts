/** `ocikit serve [ROOT]`: a distribution-spec registry over a folder of OCI image layouts. */
import { Command } from '@commander-js/extra-typings';
import { formatLogLine, startServer } from '../../serve/index.ts';
import { commandSignal } from '../signal.ts';

/** Registers `serve`. */
export function serveCommand() {
  return new Command('serve')
    .description(
      'serve the OCI image layouts under ROOT as a registry (ROOT/org/app is the repository org/app)',
    )
    .argument('[root]', 'folder of layouts, one per repository', '.')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5000')
    .option('--read-only', 'refuse pushes and deletes')
    .option('--htpasswd <file>', 'require basic auth against this htpasswd file (bcrypt entries)')
    .option('--anonymous-read', 'with --htpasswd: pulls need no credentials')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'the key of --tls-cert (PEM)')
    .option('--json-logs', 'log each request as a JSON line (default: a text line)')
    .action(async (root, options) => {
      const signal = commandSignal();
      const json = options.jsonLogs === true;
      const server = await startServer({
        root,
        listen: options.listen,
        readOnly: options.readOnly === true,
        anonymousRead: options.anonymousRead === true,
        ...(options.htpasswd === undefined ? {} : { htpasswd: options.htpasswd }),
        ...(options.tlsCert === undefined ? {} : { tlsCert: options.tlsCert }),
        ...(options.tlsKey === undefined ? {} : { tlsKey: options.tlsKey }),
        log: (entry) => process.stderr.write(`${formatLogLine(entry, json)}\n`),
      });
      process.stderr.write(
        json
          ? `${JSON.stringify({ listening: server.url, root })}\n`
          : `ocikit: serving ${root} on ${server.url}\n`,
      );
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await server.close();
    });
}
