// The shop manager's pages in a real browser: axe on every page and every form's error state, and a blind
// manager's work by keyboard alone (writing a promotion and publishing it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAxe, focused, keyboardSignIn, launch, openPage, signIn, skipReason, startDemo, tabTo } from './harness.mjs';

const SHOTS = process.env.SHOTS_DIR;

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

function shanghaiDate(daysAhead = 0) {
  return new Date(Date.now() + 8 * 3600_000 + daysAhead * 86400_000).toISOString().slice(0, 10);
}

describe('shop manager pages', { skip: skipReason ?? false }, () => {
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

  test('every page and every form error passes axe', async () => {
    const page = await openPage(browser);
    await signIn(page, demo, demo.manager);
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '门店管理' }).click();
    await page.waitForURL(/\/admin\/shops\/[^/]+$/);
    const shop = page.url();
    await checkAxe(page, 'profile');
    await shot(page, 'profile');
    await page.getByLabel('门店名称').fill('');
    await page.getByLabel('星期一开门').fill('25:00');
    await page.getByRole('button', { name: '保存门店资料' }).click();
    await page.getByRole('alert').getByRole('link', { name: '请填写门店名称' }).waitFor();
    assert.match(await page.title(), /^错误：/);
    await checkAxe(page, 'profile with errors');
    await shot(page, 'profile-errors');
    await page.getByRole('button', { name: '上传照片' }).click();
    await page.getByRole('alert').getByRole('link', { name: '请选择要上传的照片' }).waitFor();
    await checkAxe(page, 'photo upload with an error');

    for (const [tab, button, error, name] of [
      ['技师', '添加技师', '请填写技师姓名', 'therapists'],
      ['服务项目', '添加服务项目', '请填写项目名称', 'services'],
      ['优惠活动', '保存草稿', '请填写活动标题', 'promotions'],
    ]) {
      await page.goto(shop);
      await page.getByRole('navigation', { name: '门店管理' }).getByRole('link', { name: tab, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^${tab}：`) }).waitFor();
      await checkAxe(page, name);
      await shot(page, name);
      await page.getByRole('button', { name: button, exact: true }).click();
      await page.getByRole('alert').getByRole('link', { name: error }).waitFor();
      await checkAxe(page, `${name} with errors`);
      await shot(page, `${name}-errors`);
    }
    await page.goto(`${shop}/therapists`);
    await page.locator('tbody a').first().click();
    await page.getByRole('heading', { level: 1, name: /^修改技师：/ }).waitFor();
    await checkAxe(page, 'a therapist');
    await shot(page, 'therapist');
    await page.goto(`${shop}/services`);
    await page.locator('tbody a').first().click();
    await page.getByRole('heading', { level: 1, name: /^修改服务项目：/ }).waitFor();
    await checkAxe(page, 'a service');
    await shot(page, 'service');

    await page.goto(`${shop}/orders`);
    await checkAxe(page, 'bookings');
    await shot(page, 'orders');
    await page.getByLabel('开始日期').fill(shanghaiDate(3));
    await page.getByLabel('结束日期（含这一天）').fill(shanghaiDate(0));
    await page.getByRole('button', { name: '查看预约' }).click();
    await page.getByRole('alert').getByRole('link', { name: '结束日期不能早于开始日期' }).waitFor();
    await checkAxe(page, 'bookings with errors');
    const csv = await page.request.get(`${shop}/orders.csv`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /^text\/csv/);
    assert.deepEqual(page.offsite, []);
    await page.context().close();
  });

  test('by keyboard alone a shop manager writes a promotion and publishes it', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await keyboardSignIn(page, demo, demo.manager);
    await tabTo(page, '门店管理');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/shops\/[^/]+$/);
    await tabTo(page, '优惠活动');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/promotions$/);
    const title = `按键发布的活动 ${Date.now() % 100000}`;
    await tabTo(page, '活动标题');
    await page.keyboard.type(title);
    await tabTo(page, '开始日期');
    await page.keyboard.type(shanghaiDate(0));
    await tabTo(page, '结束日期');
    await page.keyboard.type(shanghaiDate(7));
    await tabTo(page, '通知（没有折扣）');
    await page.keyboard.press('Space');
    await tabTo(page, '保存草稿');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=created/);
    const drafted = `已保存草稿“${title}”。发布后顾客才能看到。`;
    await page.getByRole('status').getByText(drafted).waitFor();
    assert.equal((await focused(page)).name, drafted, 'the notification takes focus');
    await tabTo(page, `发布：${title}`);
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=publish/);
    const published = `已发布“${title}”，顾客在活动时间内可以看到。`;
    await page.getByRole('status').getByText(published).waitFor();
    assert.equal((await focused(page)).name, published, 'the notification takes focus');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: title }) });
    assert.ok((await row.textContent()).includes('进行中'));
    await checkAxe(page, 'promotions after publishing');
    await shot(page, 'promotions-published');
    await tabTo(page, `结束活动：${title}`);
    assert.deepEqual(page.offsite, []);
    await page.context().close();
  });
});
