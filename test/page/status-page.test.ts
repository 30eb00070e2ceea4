/**
 * The status page in a real headless Chromium (Debian's /usr/bin/chromium, which .ci/run
 * installs): what a person sees — the servers by rack with their bars against the quota, the
 * bucket map with one cell per bucket, and, without reloading, a killed server shown DOWN and
 * the migration with its progress bar. The screenshot goes to a temp dir; with
 * TAIR_CS_REFRESH_DOCS=1 it replaces docs/status-page.png, the picture in the README and
 * docs/operations.md (tests never modify tracked files unless asked to).
 *
 * No Chromium is a failure, not a skip: the page is only tested here.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, OperatorCluster } from '../http/helpers/operator-cluster.js';

const chromiumPath = '/usr/bin/chromium';
const refreshDocs = process.env.TAIR_CS_REFRESH_DOCS === '1';
const screenshotDir = refreshDocs ? join(import.meta.dirname, '..', '..', 'docs') : mkdtempSync(join(tmpdir(), 'tair-cs-page-'));
const screenshotPath = join(screenshotDir, 'status-page.png');
const bucketCount = 256;

let cluster: OperatorCluster;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`);
  }
  cluster = await OperatorCluster.start({ serverCount: 6, bucketCount, racks: ['rack-a', 'rack-a', 'rack-b', 'rack-b', 'rack-c', 'rack-c'] });
  browser = await chromium.launch({
    executablePath: chromiumPath,
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
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(cluster.url('/'));
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  if (!refreshDocs) rmSync(screenshotDir, { recursive: true, force: true });
});

const row = (id: string) => page.locator(`tr.server-row[data-server="${id}"]`);

describe('status page', () => {
  test('shows the server, every data server by rack with bars against its quota, and the bucket map', async () => {
    await expect.poll(() => page.locator('tr.server-row').count(), { timeout: 5000 }).toBe(6);
    await expect.poll(() => page.locator('#role').textContent()).toBe('primary');
    await expect.poll(() => page.locator('#health-status').textContent(), { timeout: 5000 }).toBe('HEALTH_OK');
    expect(await page.locator('#address').textContent()).toBe(`127.0.0.1:${cluster.port}`);
    expect(await page.locator('.rack-name').allTextContents()).toEqual(['rack rack-a', 'rack rack-b', 'rack rack-c']);
    for (const ds of cluster.dataServers) {
      await expect.poll(() => row(ds.id).locator('td.name').textContent()).toBe(ds.id);
      expect(await row(ds.id).locator('td.state').textContent()).toContain('ALIVE');
      // One snapshot in one page task (the row found there too): the page redraws every second.
      const bars = await page.evaluate(
        (id) =>
          ['replicas', 'masters']
            .map((kind) => {
              const element = document.querySelector(`tr.server-row[data-server="${id}"]`) as HTMLElement;
              const box = (selector: string) => (element.querySelector(`.meter[data-kind="${kind}"] ${selector}`) as HTMLElement).getBoundingClientRect();
              const whole = (element.querySelector(`.meter[data-kind="${kind}"]`) as HTMLElement).getBoundingClientRect();
              return { fill: box('.fill'), quota: box('.quota'), width: whole.width };
            })
            .map(({ fill, quota, width }) => ({ fillWidth: fill.width, fillEnd: fill.x + fill.width, quotaX: quota.x, width })),
        ds.id,
      );
      for (const bar of bars) {
        expect(bar.fillWidth).toBeGreaterThan(bar.width * 0.5);
        expect(Math.abs(bar.fillEnd - bar.quotaX)).toBeLessThan(bar.width * 0.05);
      }
      expect(await row(ds.id).locator('.meter-text').first().textContent()).toMatch(/^\d+ \/ 85\.3$/);
    }
    await expect.poll(() => page.locator('.map-caption').textContent(), { timeout: 5000 }).toContain(`${bucketCount} buckets · 0 migrating`);
    const canvas = page.locator('canvas.bucket-map');
    expect(await canvas.getAttribute('data-bucket-count')).toBe(String(bucketCount));
    const colours = await canvas.evaluate((element: HTMLCanvasElement) => {
      const context = element.getContext('2d') as CanvasRenderingContext2D;
      const cell = Number(element.dataset.cellPx);
      const columns = Number(element.dataset.columns);
      const seen = new Set<string>();
      for (let bucket = 0; bucket < Number(element.dataset.bucketCount); bucket++) {
        const x = (bucket % columns) * cell + Math.floor(cell / 2);
        const y = Math.floor(bucket / columns) * cell + Math.floor(cell / 2);
        seen.add(Array.from(context.getImageData(x, y, 1, 1).data).join(','));
      }
      return [...seen];
    });
    expect(colours).toHaveLength(6);
    expect(await page.locator('.legend li').count()).toBe(7);
  });

  test('without a reload: a killed server is shown DOWN, the migration with its bar, the map hatches moving buckets', async () => {
    const victim = cluster.dataServers[5];
    await victim.kill();
    await expect.poll(() => row(victim.id).getAttribute('data-state'), { timeout: 8000 }).toBe('down');
    expect(await row(victim.id).locator('td.state').textContent()).toContain('DOWN');
    // The health banner at the top says so, with the reason.
    await expect.poll(() => page.locator('#health-status').textContent(), { timeout: 5000 }).toBe('HEALTH_WARN');
    expect(await page.locator('#health').getAttribute('data-status')).toBe('WARN');
    expect(await page.locator('#health-checks li[data-code="data-servers-down"]').textContent()).toContain(victim.id);
    await expect.poll(() => page.locator('.badge.failovering, .badge.migrating').count(), { timeout: 5000 }).toBeGreaterThan(0);
    await eventually(() => cluster.finishAll(12), 5000, 'buckets to move');
    await expect.poll(() => page.locator('.migration-text').textContent(), { timeout: 5000 }).toMatch(/^[1-9]\d* of \d+ buckets moved, \d+ left/);
    await expect.poll(() => page.evaluate(() => document.querySelector('[role=progressbar] .done')?.getBoundingClientRect().width ?? 0)).toBeGreaterThan(0);
    await expect.poll(async () => Number(await page.locator('canvas.bucket-map').getAttribute('data-migrating-count')), { timeout: 5000 }).toBeGreaterThan(0);
    expect(await page.locator('.events li[data-event="server-down"]').count()).toBe(1);
    expect(await page.locator('.events li[data-event="server-down"]').textContent()).toContain(victim.id);
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(existsSync(screenshotPath)).toBe(true);
  });

  test('colouring by rack gives one colour per rack', async () => {
    await page.selectOption('#colour-by', 'rack');
    await expect.poll(() => page.locator('.map-caption').textContent()).toContain('colour: rack');
    expect(await page.locator('.legend li').allTextContents()).toEqual(['rack-a', 'rack-b', 'rack-c', 'migrating']);
    expect(pageErrors, pageErrors.join('; ')).toEqual([]);
  });
});
