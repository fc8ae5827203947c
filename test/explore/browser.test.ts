/**
 * The explorer's pages in a real Chromium: the DAG shows every manifest and its links open the
 * documents, the layers page shows sizes and marks deleted files, keyboard navigation reaches the
 * file list, the files page shows a text file, and nothing is requested outside loopback.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { RunningExplorer } from '../../src/explore/index.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { exploreFixtures, MOTD } from './fixtures.ts';

/** Where the screenshots are kept after the run (test artifacts). */
const ARTIFACTS = process.env.OCIKIT_TEST_ARTIFACTS ?? join(tmpdir(), 'ocikit-test-artifacts');

describe('explore pages in Chromium', () => {
  const dir = suiteScratch(after);
  let explorer: RunningExplorer;
  let busybox: string;
  let index: { index: string; manifests: string[] };
  let context: BrowserContext;
  const requests: string[] = [];
  const problems: string[] = [];

  before(async () => {
    const root = await dir();
    ({ explorer, busybox, index } = await exploreFixtures(root));
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
  });

  async function open(hash: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    await page.goto(`${explorer.url}${hash}`);
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
    const deleted = page.locator('#file-list li[data-path="tmp/old.txt"]');
    await deleted.waitFor();
    assert.equal(await deleted.getAttribute('data-mark'), 'deleted');
    assert.equal(
      await page.locator('#file-list li[data-path="etc/motd"]').getAttribute('data-mark'),
      'modified',
    );
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
    await page.locator('#dir').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#dir tr').count(), 0);
    await page.close();
  });

  test('the compare page lists the differences of two images', async () => {
    const page = await open('#/compare');
    await page.locator('#run').click();
    await page.locator('#changes').getByText('/etc/motd').waitFor();
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
