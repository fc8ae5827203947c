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

/**
 * Starts tinyproxy with its config and log in `dir`, reachable from 127.0.0.1 only (asking for
 * `basicAuth` credentials when given). The port is
 * chosen free and then bound by tinyproxy: if another process took it in between, tinyproxy exits
 * and another port is tried.
 */
export async function startTinyproxy(
  dir: string,
  options: { basicAuth?: { user: string; password: string } } = {},
): Promise<RunningProxy> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(dir, options);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOnce(
  dir: string,
  options: { basicAuth?: { user: string; password: string } },
): Promise<RunningProxy> {
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
      ...(options.basicAuth ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // Not installed: no exit event follows the spawn error.
    child.once('error', (err) => {
      stderr += String(err);
      resolve();
    });
  });
  void exit.then(() => {
    exited = true;
  });
  for (let i = 0; !(await listening(port)); i++) {
    if (exited || i > 100) break;
    await sleep(50);
  }
  // A port answering while tinyproxy has exited is another process's.
  await sleep(50);
  if (exited || !(await listening(port))) {
    child.kill('SIGKILL');
    throw new Error(`tinyproxy did not start on port ${port}: ${stderr.slice(-500)}`);
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
