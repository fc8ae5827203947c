/** `ocikit explore IMAGE... [--listen HOST:PORT] [--open]`: the web explorer for the given images. */
import { spawn } from 'node:child_process';
import { Command } from '@commander-js/extra-typings';
import { type ExplorerImage, startExplorer } from '../../explore/index.ts';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';

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
    .action(async (names, options, command) => {
      const signal = commandSignal();
      const { openSource } = await import('../../transports/index.ts');
      const transport = transportOptions(command, 'src');
      const images: ExplorerImage[] = [];
      try {
        for (const name of names) {
          await noteAssumedTag(name, command);
          images.push({ name, source: await openSource(name, transport) });
        }
        const explorer = await startExplorer({ images, listen: options.listen, transportOptions: transport });
        await writeLine(explorer.url);
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
