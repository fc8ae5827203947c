/**
 * Starts a real Distribution registry (the `docker-registry` binary) on 127.0.0.1 with its own
 * config, storage in a temp dir, deletes enabled, optional htpasswd or token auth, and optional
 * TLS (`http.tls`), with client certificates required when client CAs are given.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Token auth settings of the registry (distribution `auth.token`). */
export interface TokenAuthConfig {
  realm: string;
  service: string;
  issuer: string;
  /** Path of the PEM bundle of certificates whose keys sign tokens. */
  rootCertBundle: string;
}

/** TLS settings of the registry (distribution `http.tls`). */
export interface RegistryTlsConfig {
  /** PEM paths of the server certificate and its key. */
  certificate: string;
  key: string;
  /** PEM paths of CAs whose client certificates are required and accepted (`clientcas`). */
  clientCas?: string[];
}

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  auth?: 'htpasswd' | { token: TokenAuthConfig };
  /** Serve HTTPS with these certificates instead of plain HTTP. */
  tls?: RegistryTlsConfig;
  /** The name `host` and `url` use (it must resolve to 127.0.0.1); default `127.0.0.1`. */
  hostname?: string;
}

/** A running registry. */
export interface RunningRegistry {
  /** `127.0.0.1:PORT` (or `HOSTNAME:PORT`) */
  host: string;
  /** `http://127.0.0.1:PORT` (`https://…` with TLS) */
  url: string;
  /** The temp dir holding config and storage. */
  dir: string;
  /** With htpasswd auth: the one user it accepts. */
  credentials?: { username: string; password: string };
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200 || res.status === 401;
  } catch {
    return false;
  }
}

/** True once something accepts TCP connections on 127.0.0.1:`port` (a TLS registry's readiness). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a registry and resolves once `GET /v2/` answers (with TLS: once it accepts connections). */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'ocikit-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const host = `${options.hostname ?? '127.0.0.1'}:${port}`;
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  let credentials: RunningRegistry['credentials'];
  let auth = '';
  if (options.auth === 'htpasswd') {
    credentials = { username: 'tester', password: randomBytes(12).toString('hex') };
    const line = execFileSync('htpasswd', ['-Bbn', credentials.username, credentials.password], {
      encoding: 'utf8',
    });
    await writeFile(join(dir, 'htpasswd'), line.trim() + '\n');
    auth = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (options.auth !== undefined) {
    const t = options.auth.token;
    auth =
      `auth:\n  token:\n    realm: ${JSON.stringify(t.realm)}\n    service: ${JSON.stringify(t.service)}\n` +
      `    issuer: ${JSON.stringify(t.issuer)}\n    rootcertbundle: ${JSON.stringify(t.rootCertBundle)}\n`;
  }
  let tls = '';
  if (options.tls) {
    tls =
      `  tls:\n    certificate: ${JSON.stringify(options.tls.certificate)}\n    key: ${JSON.stringify(options.tls.key)}\n` +
      (options.tls.clientCas?.length
        ? `    clientcas:\n${options.tls.clientCas.map((ca) => `      - ${JSON.stringify(ca)}\n`).join('')}`
        : '');
  }
  const config =
    'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n' +
    `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\n` +
    `http:\n  addr: ${address}\n${tls}${auth}`;
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, config);
  // The registry's log goes to a file, not a pipe: a pipe is drained only while this process's event
  // loop runs, and a caller blocked in execFileSync (the benchmarks) would leave the registry stuck
  // writing its log after a few dozen requests, and every client of it hanging.
  const logPath = join(dir, 'registry.log');
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', log] });
  } finally {
    closeSync(log);
  }
  const stderr = (): string => readFileSync(logPath, 'utf8').slice(0, 10_000);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const ready = () => (options.tls ? listening(port) : answers(url));
  for (let i = 0; !(await ready()); i++) {
    if (exited || i > 100) {
      child.kill('SIGKILL');
      const message = `registry did not start: ${stderr()}`;
      await rm(dir, { recursive: true, force: true });
      throw new Error(message);
    }
    await sleep(100);
  }
  return {
    host,
    url,
    dir,
    ...(credentials !== undefined ? { credentials } : {}),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await Promise.race([exit, sleep(5000)]);
        if (!exited) child.kill('SIGKILL');
        await exit;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
