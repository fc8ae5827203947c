/**
 * `ocikit explore IMAGE... [--listen HOST:PORT] [--open] [--key PUB]... [--policy FILE]`: the web
 * explorer for the given images; its Trust page checks signatures against the keys and policy.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { Command } from '@commander-js/extra-typings';
import { type ExplorerImage, startExplorer, type TrustOptions } from '../../explore/index.ts';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { idleWhenStill } from '../memory-watch.ts';
import { writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';
import { readKeyFile } from './sign.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The keys and policy named by the flags, read before the server starts (a bad file fails at once). */
async function trustOptions(flags: {
  key?: string[];
  policy?: string;
  'registries.d'?: string;
}): Promise<TrustOptions> {
  const out: TrustOptions = {};
  if (flags.key !== undefined && flags.key.length > 0) {
    const { readPublicKey } = await import('../../trust/index.ts');
    out.keys = [];
    for (const path of flags.key)
      out.keys.push({ name: basename(path), key: readPublicKey(await readKeyFile(path), path) });
  }
  if (flags.policy !== undefined) {
    const { loadPolicy } = await import('../../trust/index.ts');
    const found = await loadPolicy({ path: flags.policy });
    if (found !== undefined) out.policy = { name: basename(found.path), policy: found.policy };
  }
  if (flags['registries.d'] !== undefined) out.registries = { dir: flags['registries.d'] };
  return out;
}

/** Opens `url` in the desktop's browser, if there is one; a failure only leaves the URL printed. */
function openBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

/** Registers `explore`. */
export function exploreCommand() {
  return new Command('explore')
    .description('browse images, layers and files in a web page served on loopback; prints its URL')
    .argument('<images...>', 'image names (any transport)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:0')
    .option('--open', 'open the URL in the default browser')
    .option('--key <file>', 'a cosign public key the Trust page checks signatures with (repeatable)', collect)
    .option('--policy <file>', 'a policy.json the Trust page checks each image against')
    .option('--registries.d <dir>', 'the registries.d folder saying where simple signatures are stored')
    .action(async (names, options, command) => {
      const signal = commandSignal();
      const trust = await trustOptions(options);
      const { openSource } = await import('../../transports/index.ts');
      const transport = transportOptions(command, 'src');
      const images: ExplorerImage[] = [];
      try {
        for (const name of names) {
          await noteAssumedTag(name, command);
          images.push({ name, source: await openSource(name, transport) });
        }
        const explorer = await startExplorer({
          images,
          listen: options.listen,
          transportOptions: transport,
          trust,
          returnMemory: true,
        });
        await writeLine(explorer.url);
        // It runs until stopped: idle, the memory watchers should let it sleep (memory-watch.ts).
        idleWhenStill();
        if (options.open === true) openBrowser(explorer.url);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await explorer.close();
      } finally {
        for (const image of images) await image.source.close();
      }
    });
}
