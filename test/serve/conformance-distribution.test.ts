/**
 * The same conformance suite (conformance.ts) against Distribution (`docker-registry` 2.8), the
 * reference: it shows the suite checks what a real registry does. 2.8 predates distribution-spec
 * 1.1, so the profile says so (no referrers API, no OCI-Subject, no tag deletion).
 */
import { startRegistry } from '../helpers/registry.ts';
import { conformanceSuite } from './conformance.ts';

conformanceSuite(
  'docker-registry 2.8 (Distribution)',
  async () => {
    const registry = await startRegistry();
    return { url: registry.url, stop: () => registry.stop() };
  },
  { v11: false },
);
