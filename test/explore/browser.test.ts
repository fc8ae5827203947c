/**
 * The explorer's pages in a real Chromium: the DAG shows every manifest and its links open the
 * documents, the layers page shows sizes and a collapsible file tree marking deleted files (driven
 * by the keyboard as the WAI-ARIA tree pattern says), the files page shows a text file, the Trust
 * page shows a verified and an unverified signature, a signed index shows each referrer under its
 * subject, a layer digest in a manifest's JSON opens that layer, the compare page shows two images
 * side by side, `ocikit serve`'s /ui/ leads from the repositories to an image, and nothing is
 * requested outside loopback.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { layoutRepositories, UI_PREFIX } from '../../src/cli/commands/serve.ts';
import { createExplorerHandler, type RunningExplorer, startExplorer } from '../../src/explore/index.ts';
import { type RunningServer, startServer } from '../../src/serve/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { readPublicKey } from '../../src/trust/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';
import { exploreFixtures, MOTD, writeServeRoot } from './fixtures.ts';
import { type SignedIndex, writeSignedImage, writeSignedIndex } from './trust-fixtures.ts';

/** Where the screenshots are kept after the run (test artifacts): a git-ignored folder of the checkout by default. */
const ARTIFACTS =
  process.env.OCIKIT_TEST_ARTIFACTS ??
  fileURLToPath(new URL('../../test-artifacts/explore/', import.meta.url));

describe('explore pages in Chromium', () => {
  let explorer: RunningExplorer;
  let busybox: string;
  let index: { index: string; manifests: string[] };
  let context: BrowserContext;
  let trusted: RunningExplorer;
  let signedIndex: SignedIndex;
  let signedExplorer: RunningExplorer;
  let wide: RunningExplorer;
  let wideManifest: string;
  let serve: RunningServer;
  const requests: string[] = [];
  const problems: string[] = [];

  before(async () => {
    const root = await dir();
    ({ explorer, busybox, index } = await exploreFixtures(root));
    // A signed image, explored with key A trusted: B's signature is the unverified one.
    const signed = await writeSignedImage(join(root, 'signed'));
    trusted = await startExplorer({
      images: [{ name: signed.name, source: layoutSource(signed.name) }],
      trust: { keys: [{ name: 'trusted.pub', key: readPublicKey(await readFile(signed.keyA)) }] },
    });
    // A two-platform index: the index signed (.sig), amd64 with a bundle referrer, arm64 a .att.
    signedIndex = await writeSignedIndex(join(root, 'signed-index'));
    signedExplorer = await startExplorer({
      images: [{ name: signedIndex.name, source: layoutSource(signedIndex.name) }],
    });
    // One folder of 1,300 files: the tree shows it 200 at a time, at most 1,000 at once.
    const wideRoot = join(root, 'wide');
    const written = await writeImageLayout(wideRoot, [
      await hostileTar(
        Array.from({ length: 1300 }, (_, i) => ({
          name: `many/f${String(i).padStart(4, '0')}`,
          content: `${i}\n`,
        })),
      ),
    ]);
    wideManifest = written.manifest.digest;
    wide = await startExplorer({ images: [{ name: 'wide', source: layoutSource(`oci:${wideRoot}`) }] });
    const served = await writeServeRoot(join(root, 'serve'));
    serve = await startServer({
      root: served.root,
      mount: {
        prefix: UI_PREFIX,
        handle: createExplorerHandler({ repositories: layoutRepositories(served.root), prefix: UI_PREFIX }),
      },
    });
    // A fresh profile per run, in the suite's scratch folder.
    context = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Every request is recorded; any that would leave loopback is refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      return new URL(url).hostname === '127.0.0.1' ? route.continue() : route.abort();
    });
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await context?.close();
    await explorer?.close();
    await trusted?.close();
    await signedExplorer?.close();
    await wide?.close();
    await serve?.close();
  });
  // Registered after the hook that closes Chromium, so the folder holding its profile is removed
  // once the browser is gone (before, Chromium wrote its profile again after the removal).
  const dir = suiteScratch(after);

  async function open(hash: string, base = explorer.url): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    await page.goto(`${base}${hash}`);
    return page;
  }

  test('the DAG shows every manifest with its platform, and a digest link opens its document', async () => {
    const page = await open('#/image/1');
    const manifests = page.locator('#dag li[data-kind="manifest"]');
    await manifests.first().waitFor();
    assert.equal(await manifests.count(), 2);
    assert.deepEqual(await page.locator('#dag .platform').allTextContents(), ['linux/amd64', 'linux/arm64']);
    assert.equal(await page.locator('#dag li[data-kind="layer"]').count(), 2);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-dag.png'), fullPage: true });
    await page.locator(`#dag li[data-digest="${index.manifests[1]}"] > a.digest`).click();
    await page.locator('#raw').waitFor();
    assert.ok(page.url().endsWith(`#/doc/1/${encodeURIComponent(index.manifests[1] as string)}`));
    const raw = await page.locator('#raw').textContent();
    assert.match(raw ?? '', /"schemaVersion": 2/);
    // The config digest in the manifest is a link too, and opens the config.
    await page.locator('#raw a').first().click();
    await page.locator('#raw').getByText('"architecture"').waitFor();
    assert.match((await page.locator('#raw').textContent()) ?? '', /"arm64"/);
    await page.close();
  });

  test('the layers page shows sizes, and keyboard navigation opens a file list marking a deletion', async () => {
    const page = await open(`#/layers/0/${encodeURIComponent(busybox)}`);
    await page.locator('#layers tr.layer-row').first().waitFor();
    assert.equal(await page.locator('#layers tr.layer-row').count(), 2);
    assert.match(
      (await page.locator('#layers tr.layer-row .uncompressed').first().textContent()) ?? '',
      /\d/,
    );
    // dive's score with four decimals, and the files written twice.
    assert.match((await page.locator('#efficiency').textContent()) ?? '', /Efficiency \d+\.\d{4} %/);
    assert.deepEqual(
      await page.locator('#inefficiencies tr.inefficiency td:nth-child(3)').allTextContents(),
      ['/etc/motd', '/tmp/old.txt'],
    );
    // Tab until the second layer's row has the focus, then Enter.
    let focused: string | null = null;
    for (let i = 0; i < 30 && focused !== '1'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.locator(':focus').getAttribute('data-layer');
    }
    assert.equal(focused, '1', 'Tab never reached the layer rows');
    await page.keyboard.press('Enter');
    // The layer's tree: its top level, directories closed.
    const tree = page.locator('#file-list[role="tree"]');
    await tree.locator('li[data-path="tmp"]').waitFor();
    assert.deepEqual(
      await tree
        .locator(':scope > li[role="treeitem"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-path'))),
      ['etc', 'tmp', 'srv'],
    );
    assert.equal(await tree.locator('li[data-path="tmp"]').getAttribute('aria-expanded'), 'false');
    // Tab reaches the tree; Down, Right (open), Right (first child) reach the deleted file.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if ((await page.locator(':focus').getAttribute('role')) === 'treeitem') break;
    }
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'etc', 'Tab never reached the tree');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const deleted = page.locator('#file-list li[data-path="tmp/old.txt"]');
    await deleted.waitFor();
    assert.equal(await deleted.getAttribute('data-mark'), 'deleted');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'tmp/old.txt');
    // Left goes back to the directory, Left again closes it, Enter opens it again.
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'tmp');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await tree.locator('li[data-path="tmp"]').getAttribute('aria-expanded'), 'false');
    assert.equal(await deleted.isVisible(), false);
    await page.keyboard.press('Enter');
    assert.equal(await tree.locator('li[data-path="tmp"]').getAttribute('aria-expanded'), 'true');
    await deleted.waitFor();
    // A click opens a directory too.
    await tree.locator('li[data-path="etc"] > .row').click();
    const motd = tree.locator('li[data-path="etc/motd"]');
    await motd.waitFor();
    assert.equal(await motd.getAttribute('data-mark'), 'modified');
    await page.screenshot({ path: join(ARTIFACTS, 'explore-layers.png'), fullPage: true });
    await page.close();
  });

  test('the files page shows a text file from the merged filesystem, and search finds paths', async () => {
    const page = await open(`#/files/0/${encodeURIComponent(busybox)}/etc/motd`);
    await page.locator('#content').waitFor();
    assert.equal(await page.locator('#content').textContent(), MOTD);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-file-content.png'), fullPage: true });
    assert.ok(((await page.locator('#download').getAttribute('href')) ?? '').includes('download=1'));
    await page.locator('#search').fill('old');
    await page.locator('#search').press('Enter');
    await page.locator('#results li').first().waitFor();
    assert.equal(await page.locator('#results li.mark-deleted').count(), 1);
    await page.goto(`${explorer.url}#/files/0/${encodeURIComponent(busybox)}/tmp`);
    await page.locator('#fs-tree .empty').waitFor();
    assert.equal(await page.locator('#fs-tree [role="treeitem"]').count(), 0);
    await page.close();
  });

  test('the files tree: the keyboard reaches and opens a nested directory, which collapses and expands', async () => {
    const page = await open(`#/files/0/${encodeURIComponent(busybox)}`);
    const tree = page.locator('#fs-tree');
    await tree.locator('li[data-path="usr"]').waitFor();
    await tree.locator('li[role="treeitem"]').first().focus();
    // End goes to the last top-level item (usr); Right opens it, Right enters it, and so on down.
    await page.keyboard.press('End');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'usr');
    for (const path of ['usr/share', 'usr/share/doc', 'usr/share/doc/README']) {
      await page.keyboard.press('ArrowRight');
      await tree.locator(`li[data-path="${path}"]`).waitFor();
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.locator(':focus').getAttribute('data-path'), path);
    }
    assert.equal(await page.locator(':focus').getAttribute('aria-level'), '4');
    await page.screenshot({ path: join(ARTIFACTS, 'explore-files-tree.png'), fullPage: true });
    // Left: to the parent, then close it; twice brings the focus to a closed usr/share.
    const share = tree.locator('li[data-path="usr/share"]');
    const doc = tree.locator('li[data-path="usr/share/doc"]');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'usr/share/doc');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await doc.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'usr/share');
    assert.equal(await share.getAttribute('aria-expanded'), 'false');
    assert.equal(await doc.isVisible(), false);
    // A click opens it again, with its loaded children as they were; Enter opens doc.
    await share.locator(':scope > .row').click();
    assert.equal(await share.getAttribute('aria-expanded'), 'true');
    assert.equal(await doc.isVisible(), true);
    assert.equal(await doc.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'usr/share/doc');
    await page.keyboard.press('Enter');
    assert.equal(await doc.getAttribute('aria-expanded'), 'true');
    // Enter on a file opens it.
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'usr/share/doc/README');
    await page.keyboard.press('Enter');
    await page.locator('#content').waitFor();
    assert.equal(await page.locator('#content').textContent(), 'nested three levels down\n');
    await page.close();
  });

  test('the compare page shows two images side by side, file by file', async () => {
    const page = await open('#/compare');
    // Every image is listed, and a filter narrows the list.
    await page.locator('#a option').first().waitFor({ state: 'attached' });
    assert.equal(await page.locator('#a-image option').count(), 2);
    await page.locator('#b-filter').fill('multi');
    assert.equal(await page.locator('#b-image option').count(), 1);
    await page.locator('#run').click();
    const motd = page.locator('#side-by-side tr[data-path="etc/motd"]');
    await motd.waitFor();
    // A is the busybox image, B the index's linux/amd64: /etc/motd only in A, /hello.txt only in B.
    assert.equal(await motd.getAttribute('data-change'), 'D');
    const cells = await motd.locator('td').allTextContents();
    assert.deepEqual(cells.slice(0, 6), [`${MOTD.length} B`, '0644', '0:0', 'layer 1', 'D', '/etc/motd']);
    assert.equal(cells[6], '—');
    const hello = page.locator('#side-by-side tr[data-path="hello.txt"]');
    assert.equal(await hello.getAttribute('data-change'), 'A');
    assert.deepEqual((await hello.locator('td').allTextContents()).slice(0, 3), ['—', 'A', '/hello.txt']);
    assert.match(
      (await page.locator('#change-counts').textContent()) ?? '',
      /1 added · 0 modified · \d+ deleted/,
    );
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /\bnull\b|undefined/);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-compare.png'), fullPage: true });
    await page.close();
  });

  test('a signed index: each referrer hangs off the index or the manifest it refers to', async () => {
    const page = await open('#/image/0', signedExplorer.url);
    await page.locator('#dag li[data-kind="referrer"]').first().waitFor();
    const [amd64, arm64] = signedIndex.manifests as [string, string];
    const under = (digest: string) =>
      page.locator(`#dag li[data-digest="${digest}"] > ul > li[data-kind="referrer"]`);
    assert.equal(await page.locator('#dag li[data-kind="referrer"]').count(), 3);
    assert.match((await under(signedIndex.index).textContent()) ?? '', /cosign \.sig/);
    assert.match((await under(amd64).textContent()) ?? '', /sigstore\.bundle/);
    assert.match((await under(arm64).textContent()) ?? '', /cosign \.att.*\.att/);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-dag-referrers.png'), fullPage: true });
    // A referrer's digest opens its manifest, whose subject links back to the manifest.
    await under(amd64).locator(':scope > a.digest').click();
    await page.locator('#raw').getByText('"subject"').waitFor();
    await page.locator('#raw a', { hasText: amd64 }).click();
    await page.locator('#raw').getByText('"layers"').waitFor();
    assert.ok(page.url().endsWith(`#/doc/0/${encodeURIComponent(amd64)}`));
    await page.close();
  });

  test("a layer digest in a manifest's JSON opens that layer; a config's diff_ids too; other digests are not links", async () => {
    const page = await open(`#/doc/0/${encodeURIComponent(busybox)}`);
    await page.locator('#raw').waitFor();
    const links = page.locator('#raw a');
    await links.first().waitFor();
    // The config and both layers are links; the second layer opens layer 1 of the Layers page.
    assert.equal(await links.count(), 3);
    await links.nth(2).click();
    await page.locator('#layers tr.layer-row.selected').waitFor();
    assert.ok(page.url().endsWith(`#/layers/0/${encodeURIComponent(busybox)}/1`));
    assert.equal(await page.locator('#layers tr.selected').getAttribute('data-layer'), '1');
    await page.locator('#file-list li[data-path="tmp"]').waitFor();
    assert.equal(await page.locator('#files h2').textContent(), 'Layer 1');
    // The config: its diff_ids lead to the layers as well.
    await page.goto(`${explorer.url}#/doc/0/${encodeURIComponent(busybox)}`);
    await page.locator('#raw a').first().click();
    await page.locator('#raw').getByText('"diff_ids"').waitFor();
    const diffIds = page.locator('#raw a');
    assert.equal(await diffIds.count(), 2);
    await diffIds.first().click();
    await page.locator('#layers tr.layer-row.selected').waitFor();
    assert.equal(await page.locator('#layers tr.selected').getAttribute('data-layer'), '0');
    await page.close();
  });

  test('a folder of 1,300 files opens 200 at a time by keyboard, never more than 1,000 in the page; "earlier…" brings back what gave way', async () => {
    const page = await open(`#/layers/0/${encodeURIComponent(wideManifest)}`, wide.url);
    await page.locator('#layers tr.layer-row').first().click();
    const tree = page.locator('#file-list');
    await tree.locator('li[data-path="many"] > .row').click();
    const items = tree.locator('li[data-path^="many/"]');
    await items.first().waitFor();
    assert.equal(await items.count(), 200);
    const more = tree.locator('li[data-more]');
    assert.equal(await more.count(), 1);
    await more.focus();
    await page.keyboard.press('Enter');
    await tree.locator('li[data-path="many/f0399"]').waitFor();
    assert.equal(await items.count(), 400);
    // The focus moves to the first new item.
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'many/f0200');
    for (const last of ['0599', '0799', '0999', '1199', '1299']) {
      await page.keyboard.press('End');
      assert.ok((await page.locator(':focus').getAttribute('data-more')) !== null);
      await page.keyboard.press('Enter');
      await tree.locator(`li[data-path="many/f${last}"]`).waitFor();
      assert.ok((await items.count()) <= 1000, `${await items.count()} items after many/f${last}`);
    }
    assert.equal(await tree.locator('li[data-more]').count(), 0);
    // The first 300 gave way to the last ones; "earlier…" stands in their place.
    assert.equal(await items.count(), 1000);
    assert.equal(await items.first().getAttribute('data-path'), 'many/f0300');
    const earlier = tree.locator('li[data-earlier]');
    assert.equal(await earlier.getAttribute('data-earlier'), '300');
    await earlier.focus();
    await page.keyboard.press('Enter');
    await tree.locator('li[data-path="many/f0100"]').waitFor();
    assert.equal(await items.count(), 1000);
    assert.equal(await items.first().getAttribute('data-path'), 'many/f0100');
    // The focus is on the entry just before the ones that were shown, and the far end gave way.
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'many/f0299');
    assert.equal(await tree.locator('li[data-more]').getAttribute('data-more'), '1100');
    assert.equal(await tree.locator('li[data-path="many/f1100"]').count(), 0);
    await page.close();
  });

  test('the Trust page shows a verified and an unverified signature, and the attestation', async () => {
    const page = await open('#/image/0', trusted.url);
    await page.locator('#trust-link').click();
    await page.locator('tr.signature').first().waitFor();
    assert.equal(await page.locator('tr.signature').count(), 4);
    assert.match((await page.locator('#checked-with').textContent()) ?? '', /trusted\.pub/);
    const ok = page.locator('[data-verified="true"]');
    const bad = page.locator('[data-verified="false"]');
    assert.equal(await ok.count(), 3);
    assert.equal(await bad.count(), 1);
    assert.match((await bad.textContent()) ?? '', /bad-signature/);
    assert.match(
      (await page.locator('tr.signature[data-kind="attestation"]').textContent()) ?? '',
      /slsa\.dev\/provenance/,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'explore-trust.png'), fullPage: true });
    // The bundle's referrer manifest opens as a document.
    await page.locator('tr.signature a[href*="#/doc/"]').first().click();
    await page.locator('#raw').getByText('"subject"').waitFor();
    await page.close();
  });

  test("ocikit serve's /ui/: repositories → tags → the image's DAG and files", async () => {
    const page = await open('', `${serve.url}/ui/`);
    await page.locator('#repositories a').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'explore-serve-repositories.png'), fullPage: true });
    await page.locator('#repositories a', { hasText: 'library/busybox' }).click();
    await page.locator('#tags a', { hasText: 'latest' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'explore-serve-tags.png'), fullPage: true });
    await page.locator('#tags a', { hasText: 'latest' }).click();
    await page.locator('#dag li[data-kind="manifest"]').waitFor();
    assert.equal(await page.locator('#dag li[data-kind="layer"]').count(), 2);
    await page.screenshot({ path: join(ARTIFACTS, 'explore-serve.png'), fullPage: true });
    await page.locator('#dag a', { hasText: 'files' }).click();
    await page.locator('#fs-tree li[data-path="etc"]').click();
    await page.locator('#fs-tree li[data-path="etc/motd"]').click();
    await page.locator('#content').waitFor();
    assert.equal(await page.locator('#content').textContent(), MOTD);
    await page.close();
  });

  test('no request left 127.0.0.1 and the console showed no errors', () => {
    assert.ok(requests.length > 0);
    assert.deepEqual(
      requests.filter((u) => new URL(u).hostname !== '127.0.0.1'),
      [],
    );
    assert.deepEqual(problems, []);
  });
});
