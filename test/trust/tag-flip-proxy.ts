/**
 * A loopback proxy in front of a real registry that, once armed, answers the first manifest
 * request for `FROM` as the registry does and every later one with the manifest of `TO`: a tag
 * moving between the policy check and the copy (a fault a test cannot time on a real registry).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy: its `127.0.0.1:PORT`, the switch, and a way to stop it. */
export interface TagFlipProxy {
  host: string;
  /** From now on, the first request for the tag is served as is, later ones are redirected. */
  arm(): void;
  stop(): Promise<void>;
}

/** Starts the proxy in front of `registry` (`127.0.0.1:PORT`), flipping `repo:from` to `repo:to`. */
export async function tagFlipProxy(
  registry: string,
  repo: string,
  from: string,
  to: string,
): Promise<TagFlipProxy> {
  const [hostname, port] = registry.split(':') as [string, string];
  let armed = false;
  let seen = 0;
  const server = createServer((req, res) => {
    let path = req.url ?? '/';
    if (armed && path === `/v2/${repo}/manifests/${from}`) {
      seen += 1;
      if (seen > 1) path = `/v2/${repo}/manifests/${to}`;
    }
    const upstream = request(
      { host: hostname, port: Number(port), method: req.method, path, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${own}`,
    arm: () => {
      armed = true;
      seen = 0;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
