// The admin console in a real browser: axe on every page and error state, and a shop manager's work by
// keyboard alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAxe, focused, launch, openPage, skipReason, startDemo, tabTo } from './harness.mjs';

describe('admin console', { skip: skipReason ?? false }, () => {
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

  async function signIn(page, who) {
    await page.goto(`${demo.base}/admin/login`);
    await page.getByLabel('机构代码').fill(demo.tenant);
    await page.getByLabel('用户名').fill(who.username);
    await page.getByLabel('密码', { exact: true }).fill(who.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL(`${demo.base}/admin/`);
  }

  test('every page and every form error passes axe', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await checkAxe(page, 'sign-in');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    assert.match(await page.title(), /^错误：/);
    await checkAxe(page, 'sign-in with errors');
    await signIn(page, demo.manager);
    await checkAxe(page, "today's bookings");
    await page.getByRole('link', { name: '后一天', exact: true }).click();
    await checkAxe(page, "tomorrow's bookings");
    await page.locator('tbody th a').first().click();
    await checkAxe(page, 'a booking');
    await page.goto(`${demo.base}/admin/password`);
    await checkAxe(page, 'password');
    await page.getByRole('button', { name: '保存新密码', exact: true }).click();
    await checkAxe(page, 'password with errors');
    await page.goto(`${demo.base}/admin/no-such-page`);
    await checkAxe(page, 'not found');
    await page.context().close();
  });

  test('the main controls are announced by role and name', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await page.getByRole('link', { name: '跳到主要内容', exact: true }).waitFor();
    await page.getByRole('button', { name: '登录', exact: true }).click();
    const summary = page.getByRole('alert');
    await summary.getByRole('heading', { name: '出现问题' }).waitFor();
    // The summary has focus, and its link moves focus to the field.
    assert.equal((await focused(page)).tag, 'div');
    await summary.getByRole('link', { name: '请输入密码' }).click();
    assert.equal((await focused(page)).name, '密码');
    await signIn(page, demo.staff);
    await page.getByRole('navigation', { name: '主导航' }).waitFor();
    await page.getByRole('link', { name: '后一天', exact: true }).click();
    await page.getByRole('table', { name: /康乐盲人推拿.*的预约/ }).waitFor();
    await page.context().close();
  });

  test('by keyboard alone a shop manager signs in, opens tomorrow and confirms a booking', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/`);
    await page.waitForURL(/\/admin\/login/);
    const skip = await tabTo(page, '跳到主要内容');
    assert.equal(skip.tag, 'a');
    await tabTo(page, '机构代码');
    await page.keyboard.type(demo.tenant);
    await tabTo(page, '用户名');
    await page.keyboard.type(demo.manager.username);
    await tabTo(page, '密码');
    await page.keyboard.type(demo.manager.password);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${demo.base}/admin/`);
    await tabTo(page, '后一天');
    await page.keyboard.press('Enter');
    await page.waitForURL(/date=/);
    // The first booking of the day: its time is the link's name.
    const first = (await page.locator('tbody th a').first().textContent()).trim();
    await tabTo(page, first);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/orders\//);
    await tabTo(page, '确认预约');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=confirm/);
    await page.getByRole('status').getByText('已确认预约').waitFor();
    assert.equal((await focused(page)).name, '已确认预约', 'the notification takes focus');
    assert.deepEqual(page.offsite, []);
    await page.context().close();
  });
});
