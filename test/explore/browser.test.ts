/**
 * The explorer's pages in a real Chromium: the DAG shows every manifest and its links open the
 * documents, the layers page shows sizes and a collapsible file tree marking deleted files (driven
 * by the keyboard as the WAI-ARIA tree pattern says), the files page shows a text file, the Trust
 * page shows a verified and an unverified signature, `ocikit serve`'s /ui/ leads from the
 * repositories to an image, and nothing is requested outside loopback.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
import { writeSignedImage } from './trust-fixtures.ts';

/** Where the screenshots are kept after the run (test artifacts). */
const ARTIFACTS = process.env.OCIKIT_TEST_ARTIFACTS ?? join(tmpdir(), 'ocikit-test-artifacts');

describe('explore pages in Chromium', () => {
  let explorer: RunningExplorer;
  let busybox: string;
  let index: { index: string; manifests: string[] };
  let context: BrowserContext;
  let trusted: RunningExplorer;
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
    // One folder of 450 files: the tree shows it 200 at a time.
    const wideRoot = join(root, 'wide');
    const written = await writeImageLayout(wideRoot, [
      await hostileTar(
        Array.from({ length: 450 }, (_, i) => ({
          name: `many/f${String(i).padStart(3, '0')}`,
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
    assert.match((await page.locator('#efficiency').textContent()) ?? '', /Efficiency \d/);
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

  test('the compare page lists the differences of two images', async () => {
    const page = await open('#/compare');
    await page.locator('#run').click();
    await page.locator('#changes').getByText('/etc/motd').waitFor();
    await page.close();
  });

  test('a folder of 450 files opens 200 at a time; "more…" loads the next page by keyboard', async () => {
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
    await tree.locator('li[data-path="many/f399"]').waitFor();
    assert.equal(await items.count(), 400);
    // The focus moves to the first new item.
    assert.equal(await page.locator(':focus').getAttribute('data-path'), 'many/f200');
    await page.keyboard.press('End');
    assert.equal(await page.locator(':focus').getAttribute('data-more'), '400');
    await page.keyboard.press('Enter');
    await tree.locator('li[data-path="many/f449"]').waitFor();
    assert.equal(await items.count(), 450);
    assert.equal(await tree.locator('li[data-more]').count(), 0);
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
