/**
 * A loopback proxy in front of a real registry that answers the referrers API itself with a
 * malformed index (a fault a real registry does not produce) and forwards everything else.
 */
import { type ForwardingProxy, startForwardingProxy } from '../helpers/forwarding-proxy.ts';

/** A running proxy: its `127.0.0.1:PORT`, and a way to stop it. */
export type ReferrersFaultProxy = ForwardingProxy;

/** Starts the proxy in front of `registry` (`127.0.0.1:PORT`). */
export function malformedReferrersProxy(registry: string): Promise<ReferrersFaultProxy> {
  return startForwardingProxy(registry, (req, res) => {
    if (req.method === 'GET' && /^\/v2\/.+\/referrers\/[a-z0-9]+:[a-f0-9]+/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 5, digest: 'nope', size: -1 }] }));
      return { forward: false };
    }
    return { forward: true };
  });
}
