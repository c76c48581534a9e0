// The admin console in a real browser: axe on every page and error state, and a shop manager's work by
// keyboard alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAxe, focused, keyboardSignIn, launch, openPage, signIn, skipReason, startDemo, tabTo } from './harness.mjs';

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

  test('every page and every form error passes axe', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await checkAxe(page, 'sign-in');
    await page.getByRole('button', { name: '登录', exact: true }).click();
    assert.match(await page.title(), /^错误：/);
    await checkAxe(page, 'sign-in with errors');
    await signIn(page, demo, demo.manager);
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
    await signIn(page, demo, demo.staff);
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
    await keyboardSignIn(page, demo, demo.manager);
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
  test('by keyboard alone a receptionist books a caller and checks them in', async (t) => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await keyboardSignIn(page, demo, demo.staff);
    await tabTo(page, '电话/到店预约');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/bookings\/new$/);
    await checkAxe(page, 'booking: service');

    // Going on without a choice: the error summary takes focus and names what to choose.
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByRole('link', { name: '请选择服务项目' }).waitFor();
    assert.equal((await focused(page)).tag, 'div', 'the error summary has focus');
    await checkAxe(page, 'booking: service with an error');
    await tabTo(page, '中医推拿 60 分钟');
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('group', { name: '选择日期' }).waitFor();
    await checkAxe(page, 'booking: date');

    // Today if a time is still free, else tomorrow (ArrowDown moves to the next day and chooses it).
    const today = (await page.locator('label[for="date-1"]').textContent()).trim();
    await tabTo(page, today);
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('group', { name: '选择时间' }).waitFor();
    let isToday = true;
    if ((await page.locator('input[name=time]').count()) === 0) {
      isToday = false;
      await tabTo(page, '返回');
      await page.keyboard.press('Enter');
      await page.getByRole('group', { name: '选择日期' }).waitFor();
      await tabTo(page, today);
      await page.keyboard.press('ArrowDown');
      await tabTo(page, '继续');
      await page.keyboard.press('Enter');
      await page.getByRole('group', { name: '选择时间' }).waitFor();
    }
    await checkAxe(page, 'booking: time');
    const time = (await page.locator('label[for="time-1"]').textContent()).trim();
    await tabTo(page, time);
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('group', { name: '选择技师' }).waitFor();
    await checkAxe(page, 'booking: therapist');
    await tabTo(page, '不指定');
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '顾客信息' }).waitFor();
    await checkAxe(page, 'booking: customer');

    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByRole('link', { name: '请输入顾客姓名' }).waitFor();
    await checkAxe(page, 'booking: customer with errors');
    await tabTo(page, '顾客姓名');
    await page.keyboard.type('王女士');
    await tabTo(page, '手机号码');
    await page.keyboard.type('13800138000');
    await tabTo(page, '电话预约');
    await page.keyboard.press('Space');
    await tabTo(page, '继续');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '确认预约信息' }).waitFor();
    await checkAxe(page, 'booking: check your answers');
    const answers = await page.locator('.summary-list').textContent();
    for (const expected of ['中医推拿 60 分钟', time, '不指定', '王女士', '13800138000', '电话预约']) {
      assert.ok(answers.includes(expected), `${expected} in ${answers}`);
    }
    await tabTo(page, '确认预约');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=booked/);
    await page.getByRole('status').getByText('预约成功，已确认。顾客到店后付款。').waitFor();
    assert.equal((await focused(page)).name, '预约成功，已确认。顾客到店后付款。', 'the notification takes focus');
    await checkAxe(page, 'the new booking');
    const facts = await page.locator('.summary').textContent();
    for (const expected of ['王女士', '138****8000', '电话预约', '已确认']) {
      assert.ok(facts.includes(expected), `${expected} in ${facts}`);
    }

    // Checking the customer in: a booking is completed from an hour before its start.
    const [hh, mm] = time.slice(0, 5).split(':').map(Number);
    const nowInShanghai = new Date(Date.now() + 8 * 3600_000);
    const minutesAhead = hh * 60 + mm - (nowInShanghai.getUTCHours() * 60 + nowInShanghai.getUTCMinutes());
    if (isToday && minutesAhead <= 60) {
      await tabTo(page, '完成服务');
      await page.keyboard.press('Enter');
      await page.waitForURL(/done=complete/);
      await page.getByRole('status').getByText('已完成服务').waitFor();
      assert.equal((await focused(page)).name, '已完成服务');
      assert.ok((await page.locator('.summary').textContent()).includes('已完成'));
    } else {
      t.diagnostic(`the first free time (${time}, ${isToday ? 'today' : 'tomorrow'}) is more than an hour ahead: not completed`);
    }
    assert.deepEqual(page.offsite, []);
    await page.context().close();
  });
});

describe('GraphiQL', { skip: skipReason ?? false }, () => {
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

  test('runs offline: every script and style comes from the service', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/graphql`);
    await page.locator('.graphiql-container').waitFor();
    await page.locator('.graphiql-execute-button').waitFor();
    assert.deepEqual(page.offsite, [], 'requests to other hosts');
    await page.context().close();
  });
});
