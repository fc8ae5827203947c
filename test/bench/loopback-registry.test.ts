/**
 * The loopback registry the tests and benchmarks start keeps answering while its caller is blocked
 * in a synchronous child process (how the benchmarks time commands): its log must not go to a pipe
 * that only the caller's event loop drains, or the registry stops once the pipe is full and every
 * client of it hangs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry();
});
after(() => registry.stop());

test('the registry answers 300 failing requests made while the caller is blocked', () => {
  // Each unknown manifest is an error the registry logs (a few hundred bytes a line).
  const script =
    'for i in $(seq 1 300); do ' +
    `curl -s -o /dev/null -w '%{http_code}\\n' "${registry.url}/v2/absent/manifests/t$i"; done | sort | uniq -c`;
  const out = execFileSync('timeout', ['60', 'bash', '-c', script], { encoding: 'utf8' });
  assert.equal(out.trim(), '300 404');
});
