// The H5 pages' budget: per page at most 20 KB of JavaScript and 20 KB of CSS gzipped, HTML at most 30 KB, and
// the first contentful paint under 1 s on a slow phone (150 ms round trips, 1.6 Mbit/s, CPU slowed 4×), each
// page opened cold (a new browser context: nothing cached).
//
//   cargo build && CIVIC_BIN=target/debug/civic node tests/e2e/h5_budget.mjs
//
// Prints a table of the figures and exits 1 when a page is over its budget.
import { gzipSync } from 'node:zlib';
import { launch, openPage, skipReason, startDemo } from './harness.mjs';

const KB = 1024;
const BUDGET = { js: 20 * KB, css: 20 * KB, html: 30 * KB, fcp: 1000 };
const RUNS = 3;

/** Tomorrow's date in Beijing, as the booking steps take it. */
function tomorrow() {
  return new Date(Date.now() + (8 + 24) * 3600 * 1000).toISOString().slice(0, 10);
}

if (skipReason) {
  console.log(skipReason);
  process.exit(0);
}

const demo = await startDemo();
const browser = await launch();
const h5 = `${demo.base}/h5/${demo.tenant}/`;
let failed = false;
try {
  // The pages: found by following the demo's own links.
  const scout = await openPage(browser);
  await scout.goto(h5);
  const shop = await scout.locator('.card-title a').first().getAttribute('href');
  await scout.goto(new URL(shop, h5).href);
  const service = await scout.locator('.card-title a').first().getAttribute('href');
  const book = await scout.locator('a[href*="/book/"]').first().getAttribute('href');
  await scout.context().close();
  const pages = [
    ['门店（按区域）', h5],
    ['门店（按距离）', `${h5}?lat=39.93&lng=116.43`],
    ['门店页', new URL(shop, h5).href],
    ['服务项目页', new URL(service, h5).href],
    ['预约：选日期', new URL(book, h5).href],
    // Tomorrow's free times: the longest step (a radio for every free start of the day).
    ['预约：选时间', `${new URL(book, h5).href}&date=${tomorrow()}`],
    ['我的预约', `${h5}orders`],
  ];

  const rows = [];
  for (const [name, url] of pages) {
    const fcps = [];
    let sizes;
    for (let run = 0; run < RUNS; run++) {
      const page = await openPage(browser, { viewport: { width: 390, height: 844 } });
      // Signed in by the stand-in first (not measured), as a consumer arriving from WeChat would be.
      await page.goto(`${h5}signin`);
      const bodies = { js: 0, css: 0, html: 0 };
      const reads = [];
      page.on('response', (r) => {
        const type = r.request().resourceType();
        const key = type === 'script' ? 'js' : type === 'stylesheet' ? 'css' : type === 'document' ? 'html' : null;
        if (!key) return;
        reads.push(
          r.body().then(
            (body) => {
              bodies[key] += gzipSync(body).length;
            },
            () => {}, // a redirect has no body
          ),
        );
      });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.clearBrowserCache');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 150,
        downloadThroughput: (1.6 * 1000 * 1000) / 8,
        uploadThroughput: (750 * 1000) / 8,
      });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await page.goto(url, { waitUntil: 'load' });
      const fcp = await page.evaluate(
        () =>
          new Promise((resolve) => {
            new PerformanceObserver((list) => {
              const entry = list.getEntriesByName('first-contentful-paint')[0];
              if (entry) resolve(entry.startTime);
            }).observe({ type: 'paint', buffered: true });
            setTimeout(() => resolve(Number.NaN), 10_000);
          }),
      );
      fcps.push(fcp);
      await Promise.all(reads);
      sizes = bodies;
      await page.context().close();
    }
    fcps.sort((a, b) => a - b);
    const fcp = fcps[Math.floor(fcps.length / 2)];
    const over = sizes.js > BUDGET.js || sizes.css > BUDGET.css || sizes.html > BUDGET.html || !(fcp < BUDGET.fcp);
    failed ||= over;
    rows.push({ name, ...sizes, fcp, over });
  }
  const kb = (n) => (n / KB).toFixed(1);
  console.log('| page | HTML KB gz | CSS KB gz | JS KB gz | first contentful paint (median of 3) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(`| ${r.name} | ${kb(r.html)} | ${kb(r.css)} | ${kb(r.js)} | ${Math.round(r.fcp)} ms${r.over ? ' OVER BUDGET' : ''} |`);
  }
  console.log(`budget: HTML ≤ 30 KB, CSS ≤ 20 KB, JS ≤ 20 KB (gzipped), FCP < 1,000 ms; ${failed ? 'OVER' : 'held'}`);
} finally {
  await browser.close();
  demo.stop();
}
process.exit(failed ? 1 : 0);
