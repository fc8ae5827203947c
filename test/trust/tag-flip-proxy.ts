/**
 * A loopback proxy in front of a real registry that, once armed, answers the first manifest
 * request for `FROM` as the registry does and every later one with the manifest of `TO`: a tag
 * moving between the policy check and the copy (a fault a test cannot time on a real registry).
 */
import { startForwardingProxy } from '../helpers/forwarding-proxy.ts';

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
  let armed = false;
  let seen = 0;
  const proxy = await startForwardingProxy(registry, (req) => {
    if (armed && req.url === `/v2/${repo}/manifests/${from}`) {
      seen += 1;
      if (seen > 1) return { forward: true, path: `/v2/${repo}/manifests/${to}` };
    }
    return { forward: true };
  });
  return {
    host: proxy.host,
    arm: () => {
      armed = true;
      seen = 0;
    },
    stop: () => proxy.stop(),
  };
}
