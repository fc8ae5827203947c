/**
 * A real forward proxy for the tests: tinyproxy (Debian's package, installed by
 * scripts/install-peers.sh) on a free loopback port, logging every request and CONNECT it carries.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './registry.ts';

/** A running tinyproxy. */
export interface RunningProxy {
  /** `http://127.0.0.1:<port>`, for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  /** The lines tinyproxy logged for the requests it carried (`Request ...: CONNECT host:port ...`). */
  requests(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts tinyproxy with its config and log in `dir`, reachable from 127.0.0.1 only. */
export async function startTinyproxy(dir: string): Promise<RunningProxy> {
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  const config = join(dir, 'tinyproxy.conf');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 60',
      `LogFile "${log}"`,
      'LogLevel Connect',
      'MaxClients 64',
      'Allow 127.0.0.1',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', config], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => {
    exited = true;
  });
  for (let i = 0; !(await listening(port)); i++) {
    if (exited || i > 100) {
      child.kill('SIGKILL');
      throw new Error(`tinyproxy did not start (see ${log})`);
    }
    await sleep(50);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async requests() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => /Request \(file descriptor \d+\): /.test(line));
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await Promise.race([exit, sleep(5000)]);
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
