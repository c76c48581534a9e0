// The consumer's booking and "my bookings" on a phone-sized screen: axe on every step and error state, and a
// consumer who books and pays from the shop page by keyboard alone (Tab, Shift+Tab, Space, arrows, Enter),
// every stop showing its focus. Set SHOTS=dir to keep a screenshot of each page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { checkAxe, focused, launch, openPage, skipReason, startDemo, tabTo } from './harness.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: false, hasTouch: false };

async function shot(page, name) {
  if (!process.env.SHOTS) return;
  mkdirSync(process.env.SHOTS, { recursive: true });
  await page.screenshot({ path: `${process.env.SHOTS}/${name}.png`, fullPage: true });
}

/** Axe, and a screenshot when asked for. */
async function check(page, name) {
  await checkAxe(page, name);
  await shot(page, name);
}

/** The first shop of the demo tenant's home, and its first service's booking link. */
async function firstShop(page, demo) {
  await page.goto(`${demo.base}/h5/${demo.tenant}/`);
  await page.locator('.card-title a').first().click();
  await page.waitForURL(/\/shops\//);
  const service = (await page.locator('.card-title a').first().textContent()).trim();
  return { shopUrl: page.url(), service };
}

/** The label of the first radio of the page. */
function firstRadioLabel(page) {
  return page.evaluate(() => {
    const input = document.querySelector('input[type=radio]');
    return document.querySelector(`label[for="${input.id}"]`).textContent.trim();
  });
}

describe('H5 pages: booking and my bookings', { skip: skipReason ?? false }, () => {
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

  test('every step, every error state and every bookings page passes axe', async () => {
    const page = await openPage(browser, PHONE);
    const { service } = await firstShop(page, demo);
    await page.getByRole('link', { name: `预约${service}` }).click();
    await page.waitForURL(/\/book\//);
    const bookUrl = new URL(page.url());
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '选择日期');
    await check(page, 'date');
    await page.getByRole('button', { name: '继续' }).click();
    // The error summary takes focus, and its link leads to the first day.
    await page.waitForFunction(() => document.activeElement?.matches('[data-error-summary]'));
    assert.match(await page.title(), /^错误：/);
    await page.getByRole('link', { name: '请选择日期' }).click();
    assert.equal((await focused(page)).name, '今天');
    await check(page, 'date-error');
    await page.goto(`${bookUrl.origin}${bookUrl.pathname}`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '选择服务项目');
    await check(page, 'service');

    await page.goto(bookUrl.href);
    await page.getByRole('radio', { name: '明天' }).check();
    await page.getByRole('button', { name: '继续' }).click();
    assert.ok(await page.getByRole('group', { name: /选择时间/ }).isVisible());
    await check(page, 'time');
    await page.getByRole('button', { name: '继续' }).click();
    await check(page, 'time-error');
    await page.getByRole('radio').first().check();
    await page.getByRole('button', { name: '继续' }).click();
    await check(page, 'therapist');
    await page.getByRole('radio', { name: '任意技师' }).check();
    await page.getByRole('button', { name: '继续' }).click();
    // Signing in happens on the way (outside WeChat the stand-in signs the browser in at once).
    await page.getByRole('heading', { level: 1, name: '确认预约信息' }).waitFor();
    await check(page, 'check');
    await page.getByRole('button', { name: '确认预约' }).click();
    await page.waitForURL(/\/pay$/);
    await check(page, 'pay');
    await page.getByRole('button', { name: /^支付 ¥/ }).click();
    await page.waitForURL(/done=paid/);
    assert.match(await page.getByRole('status').textContent(), /支付成功/);
    await check(page, 'result');
    await page.getByRole('link', { name: '返回我的预约' }).click();
    await check(page, 'my-bookings');
    await page.locator('.card-title a').first().click();
    await check(page, 'booking');
    await page.getByRole('link', { name: '取消预约' }).click();
    assert.match(await page.getByRole('button', { name: /^确认取消并退款 ¥/ }).textContent(), /¥\d+\.\d\d$/);
    await check(page, 'cancel');
    await page.getByLabel('取消原因（选填）').fill('很'.repeat(201));
    await page.getByRole('button', { name: /^确认取消/ }).click();
    assert.match(await page.title(), /^错误：/);
    await check(page, 'cancel-error');
    await page.getByLabel('取消原因（选填）').fill('临时有事');
    await page.getByRole('button', { name: /^确认取消/ }).click();
    await page.waitForURL(/done=cancelled/);
    assert.match(await page.getByRole('status').textContent(), /预约已取消/);
    await check(page, 'cancelled');
    await page.goto(`${demo.base}/h5/${demo.tenant}/orders/00000000-0000-7000-8000-000000000000`);
    await check(page, 'no-such-booking');
    await page.context().close();
  });

  test('by keyboard alone a consumer books and pays from the shop page', async () => {
    const page = await openPage(browser, PHONE);
    const { shopUrl, service } = await firstShop(page, demo);
    await page.goto(shopUrl);
    await tabTo(page, `预约${service}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/book\//);

    // The day: Tab into the radio group, an arrow chooses the next day.
    await tabTo(page, '今天');
    await page.keyboard.press('ArrowDown');
    assert.equal((await focused(page)).name, '明天');
    assert.ok(await page.getByRole('radio', { name: '明天' }).isChecked());
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.waitForURL(/date=/);

    // The time: the first free one, chosen with Space.
    const time = await firstRadioLabel(page);
    await tabTo(page, time);
    await page.keyboard.press('Space');
    assert.ok(await page.getByRole('radio', { name: time }).isChecked());
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.waitForURL(/time=/);

    await tabTo(page, '任意技师');
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: '确认预约信息' }).waitFor();

    // Check the answers: back to a change link with Shift+Tab, then on to the button.
    await tabTo(page, '确认预约');
    await tabTo(page, '修改技师', { back: true });
    await tabTo(page, '确认预约');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/pay$/);
    const pay = (await page.getByRole('button', { name: /^支付 ¥/ }).textContent()).trim();
    await tabTo(page, pay);
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=paid/);
    const status = page.getByRole('status');
    assert.match(await status.textContent(), /支付成功/);
    assert.ok(await page.getByRole('link', { name: '返回我的预约' }).isVisible());
    await tabTo(page, '返回我的预约');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/orders$/);
    assert.ok(await page.getByRole('heading', { level: 2, name: /^即将到来/ }).isVisible());
    await page.context().close();
  });
});
