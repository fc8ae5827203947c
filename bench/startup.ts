/**
 * A command's start-up against Node's own (issue 16 item 1): `node -e 0` is the floor, and each
 * short command is timed as a ratio to it in the same run, best of {@link RUNS} wall times with
 * every command of a round run once before the next round (so a noisy moment hits all alike).
 * Two ways of running the command are timed: the package as users get it (`npm pack`, installed
 * into an empty project) and the checkout's `bin/ocikit.js` with a fresh bundle (its freshness
 * check of the sources included). skopeo's warm pull is an extra row for reference, and so is the
 * warm pull of both tools from an HTTPS registry through a link with a round-trip time of
 * {@link FAR_RTT_MS} (a registry a CI runner reaches over a network, where each round trip costs
 * what start-up does; both tools verify its certificate through the same CA folder).
 */
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { packAndInstall } from '../test/cli/packed-install.ts';
import { type RunningRegistry, startRegistry } from '../test/helpers/registry.ts';
import { ensureTestHostname } from '../test/helpers/test-host.ts';
import { makeTlsCertificates } from '../test/helpers/tls-certs.ts';
import { runsFromEnv } from './guard.ts';
import { startLatencyProxy } from './latency-proxy.ts';
import { BENCH_DIR, OCIKIT_CLI, type Row, timeShell } from './lib.ts';

/** Rounds per command; the best round counts. */
const RUNS = runsFromEnv('OCIKIT_STARTUP_RUNS', 15);
const REPO = join(import.meta.dirname, '..');
/** The round-trip time of the far registry's rows. */
const FAR_RTT_MS = 20;
const NODE = process.execPath;

/** Where a checkout runs the command from: `bin/ocikit.js` beside `src/` and a fresh `dist/ocikit/`. */
async function checkoutBin(work: string): Promise<string> {
  // Without OCIKIT_BENCH_CLI, bench/run.ts has just built the checkout's own dist/.
  if (process.env.OCIKIT_BENCH_CLI === undefined) return join(REPO, 'bin/ocikit.js');
  // A bundle built elsewhere: the checkout's layout around it (bin/, package.json, a copy of src/
  // older than the bundle, so bin/ocikit.js checks the sources' times as it does in a checkout,
  // and finds the bundle fresh whatever is being edited meanwhile).
  const root = join(work, 'checkout');
  await mkdir(join(root, 'bin'), { recursive: true });
  await cp(join(REPO, 'bin/ocikit.js'), join(root, 'bin/ocikit.js'));
  await cp(join(REPO, 'package.json'), join(root, 'package.json'));
  await cp(join(REPO, 'src'), join(root, 'src'), { recursive: true });
  // The bundle: beside a package's bin/ocikit.js (the installed form), or a bundle's own main.mjs.
  const bundle =
    basename(OCIKIT_CLI) === 'main.mjs' ? dirname(OCIKIT_CLI) : join(dirname(OCIKIT_CLI), '../dist/ocikit');
  if (!existsSync(join(bundle, 'main.mjs'))) {
    // Without it the checkout would run the TypeScript sources, and the rows would time those.
    throw new Error(`no bundle (main.mjs) in ${bundle} for the checkout rows`);
  }
  await cp(bundle, join(root, 'dist/ocikit'), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return join(root, 'bin/ocikit.js');
}

/**
 * Times one command; a run that hangs (a loopback registry stuck under load was seen once) is
 * stopped after a minute and tried again once.
 */
function timed(command: string): number {
  const bounded = `timeout 60 ${command}`;
  try {
    return timeShell(bounded);
  } catch {
    return timeShell(bounded);
  }
}

/** Runs every command once per round, {@link RUNS} rounds; returns each one's best wall time. */
function bestOfRounds(commands: string[]): number[] {
  const best = commands.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < RUNS; round++) {
    commands.forEach((command, i) => {
      best[i] = Math.min(best[i] as number, timed(command));
    });
  }
  return best;
}

/** Times the floor, the short commands (installed and checkout) and skopeo's warm pull. */
export async function benchStartup(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'startup');
  await mkdir(join(work, 'pack'), { recursive: true });
  console.error('bench: startup: packing and installing the package...');
  const installed = join(
    (await packAndInstall(join(work, 'pack'))).project,
    'node_modules/ocikit/bin/ocikit.js',
  );
  const checkout = await checkoutBin(work);
  const registry = await startRegistry();
  const stops: (() => Promise<void>)[] = [() => registry.stop()];
  try {
    // A small 4-layer image: start-up, not transfer, is what is timed.
    const layout = join(work, 'layout');
    const tree = join(work, 'tree');
    for (let i = 0; i < 4; i++) {
      await mkdir(join(tree, `l${i}`), { recursive: true });
      await writeFile(join(tree, `l${i}/data`), Buffer.alloc(64 << 10, i + 1));
    }
    timeShell(
      `${NODE} ${checkout} append scratch ${[0, 1, 2, 3].map((i) => join(tree, `l${i}`)).join(' ')} -t oci:${layout}:img`,
    );
    const remote = `${registry.host}/startup/img:1`;
    timeShell(`${NODE} ${checkout} copy -q oci:${layout}:img ${remote}`);
    const pulled = join(work, 'pulled');
    const skopeoPulled = join(work, 'skopeo-pulled');
    await mkdir(skopeoPulled, { recursive: true });
    // Warm: both destinations already hold every blob.
    timeShell(`${NODE} ${checkout} copy -q ${remote} oci:${pulled}:img`);
    const skopeoPull = `skopeo copy -q --src-tls-verify=false docker://${remote} oci:${skopeoPulled}:img`;
    timeShell(skopeoPull);

    const cases = [
      { name: '--version', args: '--version', target: '<= 1.5x' },
      { name: `inspect oci:`, args: `inspect oci:${layout}:img`, target: '<= 1.5x' },
      { name: `inspect --json oci:`, args: `inspect --json oci:${layout}:img`, target: '<= 1.5x' },
      { name: 'warm registry pull', args: `copy -q ${remote} oci:${pulled}:img`, target: '<= 2.0x' },
    ];
    const runs = [
      { label: 'installed', bin: installed },
      { label: 'checkout', bin: checkout },
    ];
    const farPulls = await farRegistryPulls(work, stops, {
      pushing: `${NODE} ${checkout}`,
      pulling: `${NODE} ${installed}`,
      layout,
      ocikitDestination: pulled,
      skopeoDestination: skopeoPulled,
    });
    const commands = [`${NODE} -e 0`, skopeoPull, ...farPulls];
    for (const run of runs) for (const c of cases) commands.push(`${NODE} ${run.bin} ${c.args}`);
    // One untimed round fills the compile cache, as any user's second run finds it.
    for (const command of commands) timed(command);
    const [floor = 0, skopeo = 0, farOcikit = 0, farSkopeo = 0, ...times] = bestOfRounds(commands);

    const rows: Row[] = [
      { operation: 'node -e 0 (floor)', ocikit: floor, peer: 'node -e 0', peerTime: floor, target: 'floor' },
    ];
    let at = 0;
    for (const run of runs) {
      for (const c of cases) {
        rows.push({
          operation: `${run.label}: ${c.name}`,
          ocikit: times[at++] as number,
          peer: 'node -e 0',
          peerTime: floor,
          target: c.target,
        });
      }
    }
    rows.push({
      operation: 'skopeo copy, warm registry pull',
      ocikit: skopeo,
      peer: 'node -e 0',
      peerTime: floor,
      target: 'info',
    });
    rows.push({
      operation: `installed: warm pull, HTTPS registry ${FAR_RTT_MS} ms away`,
      ocikit: farOcikit,
      peer: 'skopeo copy, same link',
      peerTime: farSkopeo,
      target: 'info',
    });
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/**
 * An HTTPS registry (its certificate for the test host name, which resolves to 127.0.0.1) holding
 * the image, behind the latency proxy; returns the two warm pulls through it, ocikit's then
 * skopeo's, each tool trusting the registry's CA through a certificate folder. `stops` gets what
 * must be stopped.
 */
async function farRegistryPulls(
  work: string,
  stops: (() => Promise<void>)[],
  tools: {
    pushing: string;
    pulling: string;
    layout: string;
    ocikitDestination: string;
    skopeoDestination: string;
  },
): Promise<string[]> {
  const hostname = await ensureTestHostname();
  await mkdir(join(work, 'tls'), { recursive: true });
  const certs = await makeTlsCertificates(join(work, 'tls'), hostname);
  const certDir = join(work, 'tls', 'ca');
  await mkdir(certDir, { recursive: true });
  await copyFile(certs.caCert, join(certDir, 'ca.crt'));
  const secure: RunningRegistry = await startRegistry({
    hostname,
    tls: { certificate: certs.serverCert, key: certs.serverKey },
  });
  stops.push(() => secure.stop());
  const proxy = await startLatencyProxy(secure.host, FAR_RTT_MS);
  stops.push(() => proxy.stop());
  timeShell(
    `${tools.pushing} --cert-dir ${certDir} copy -q oci:${tools.layout}:img ${secure.host}/startup/img:1`,
  );
  const remote = `${hostname}:${proxy.port}/startup/img:1`;
  const pulls = [
    `${tools.pulling} --cert-dir ${certDir} copy -q ${remote} oci:${tools.ocikitDestination}:img`,
    `skopeo copy -q --src-cert-dir ${certDir} docker://${remote} oci:${tools.skopeoDestination}:img`,
  ];
  // Warm: the destinations hold every blob already; these runs also check that both tools get in.
  for (const pull of pulls) timeShell(pull);
  return pulls;
}
