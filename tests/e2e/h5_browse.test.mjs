// The consumer's H5 pages in a real browser on a phone-sized screen: axe on the shop list, a shop, a service
// and the list by distance; a visitor finds a shop and its booking link by keyboard; "sort by distance" asks the
// phone for its position.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAxe, launch, openPage, skipReason, startDemo, tabTo } from './harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 } };

describe('H5 pages: browsing', { skip: skipReason ?? false }, () => {
  let demo;
  let browser;
  before(async () => {
    demo = await startDemo();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    demo?.stop();
  });

  test('every browsing page passes axe and loads nothing from another host', async () => {
    const page = await openPage(browser, PHONE);
    const home = `${demo.base}/h5/${demo.tenant}/`;
    await page.goto(home);
    await checkAxe(page, 'home');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '找门店');
    await page.getByRole('navigation', { name: '按区域' }).getByRole('link').first().click();
    await page.locator('.card-title a').first().click();
    await page.waitForURL(/\/shops\//);
    await checkAxe(page, 'shop');
    assert.ok(await page.getByRole('link', { name: /^拨打电话 / }).first().isVisible());
    assert.ok(await page.getByRole('link', { name: '导航到店' }).isVisible());
    await page.locator('.card-title a').first().click();
    await page.waitForURL(/\/services\//);
    await checkAxe(page, 'service');
    await page.goto(`${home}?lat=39.93&lng=116.43`);
    await checkAxe(page, 'nearest');
    await page.goto(`${home}shops/00000000-0000-7000-8000-000000000000`);
    await checkAxe(page, 'no such shop');
    await page.context().close();
  });

  test('by keyboard a visitor opens a shop and reaches its booking link', async () => {
    const page = await openPage(browser, PHONE);
    await page.goto(`${demo.base}/h5/${demo.tenant}/`);
    const skip = await tabTo(page, '跳到主要内容');
    assert.equal(skip.tag, 'a');
    const first = (await page.locator('.card-title a').first().textContent()).trim();
    await tabTo(page, first);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/shops\//);
    const service = (await page.locator('.card-title a').first().textContent()).trim();
    const book = await tabTo(page, `预约${service}`);
    assert.equal(book.tag, 'a');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/book\//);
    await page.context().close();
  });

  test('sort by distance asks for the position and lists the nearest shops first', async () => {
    const page = await openPage(browser, {
      ...PHONE,
      geolocation: { latitude: 39.93, longitude: 116.43 },
      permissions: ['geolocation'],
    });
    await page.goto(`${demo.base}/h5/${demo.tenant}/`);
    await page.getByRole('button', { name: '按距离排序（使用我的位置）' }).click();
    await page.waitForURL(/lat=39\.93/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '离我最近的门店');
    const distances = await page.locator('.card-meta', { hasText: '距离' }).allTextContents();
    const metres = distances.map((t) => (t.includes('公里') ? parseFloat(t.slice(3)) * 1000 : parseFloat(t.slice(3))));
    assert.ok(metres.length > 0);
    assert.deepEqual(metres, [...metres].sort((a, b) => a - b), 'nearest first');
    await page.context().close();
  });
});
