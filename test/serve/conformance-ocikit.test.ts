/** The distribution-spec conformance suite (conformance.ts) against `ocikit serve`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/serve/index.ts';
import { conformanceSuite } from './conformance.ts';

conformanceSuite(
  'ocikit serve',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocikit-conformance-'));
    const server = await startServer({ root: join(dir, 'root'), listen: '127.0.0.1:0' });
    return {
      url: server.url,
      async stop() {
        await server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { v11: true },
);
