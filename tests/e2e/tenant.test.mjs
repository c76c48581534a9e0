// The tenant administrator's and the platform operator's pages in a real browser: axe on every page and error
// state; by keyboard alone the platform operator opens a tenant and sees its key, and its administrator adds a
// member of staff.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { checkAxe, focused, launch, openPage, skipReason, startDemo, tabTo } from './harness.mjs';

describe('tenant admin and platform pages', { skip: skipReason ?? false }, () => {
  let demo;
  let browser;
  const token = `cpt_e2e_${randomBytes(24).toString('hex')}`;
  const slug = `e2e-${randomBytes(3).toString('hex')}`;
  const admin = { username: 'e2e-admin', password: `adm-${randomBytes(8).toString('hex')}` };
  before(async () => {
    process.env.CIVIC_PLATFORM_TOKEN = token;
    demo = await startDemo();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    demo?.stop();
  });

  test('by keyboard the platform operator opens a tenant and sees its API key once', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await tabTo(page, '平台运营方登录');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/login\/platform$/);
    await checkAxe(page, 'platform sign-in');
    await tabTo(page, '登录');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByRole('link', { name: '请输入平台令牌' }).waitFor();
    await checkAxe(page, 'platform sign-in with an error');
    await tabTo(page, '平台令牌');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/tenants$/);
    await checkAxe(page, 'tenants');
    await page.screenshot({ path: '/tmp/ta-tenants.png', fullPage: true });
    await tabTo(page, '开通机构');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/tenants\/new$/);
    await checkAxe(page, 'new tenant');
    // The form's button is the page's last control (the navigation has an entry of the same name).
    await tabTo(page, '开通机构', { back: true });
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor();
    await checkAxe(page, 'new tenant with errors');
    await tabTo(page, '机构代码');
    await page.keyboard.type(slug);
    await tabTo(page, '机构名称');
    await page.keyboard.type('端到端测试推拿');
    await tabTo(page, '按摩推拿');
    await page.keyboard.press('Space');
    await tabTo(page, '开通机构');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '已开通：端到端测试推拿' }).waitFor();
    await checkAxe(page, 'tenant created');
    await page.screenshot({ path: '/tmp/ta-created.png', fullPage: true });
    const key = await page.getByLabel('API 密钥').inputValue();
    assert.match(key, /^ck_/);
    // Its first administrator, made with the key through the API.
    const r = await fetch(`${demo.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: 'mutation($i: CreateStaffInput!) { createStaff(input: $i) { id } }',
        variables: { i: { ...admin, displayName: '端到端管理员', role: 'TENANT_ADMIN', shopIds: [] } },
      }),
    });
    assert.equal((await r.json()).errors, undefined);
    await page.goto(`${demo.base}/admin/tenants`);
    assert.ok(!(await page.content()).includes(key), 'the key is never shown again');
    await page.context().close();
  });

  test('by keyboard the tenant admin adds a member of staff; every page passes axe', async () => {
    const page = await openPage(browser);
    await page.goto(`${demo.base}/admin/login`);
    await page.getByLabel('机构代码').fill(slug);
    await page.getByLabel('用户名').fill(admin.username);
    await page.getByLabel('密码', { exact: true }).fill(admin.password);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL(`${demo.base}/admin/`);
    for (const [path, what] of [['/admin/shops', 'shops'], ['/admin/shops/new', 'new shop'], ['/admin/wechat', 'wechat'],
      ['/admin/audit', 'audit'], ['/admin/settings', 'settings']]) {
      await page.goto(`${demo.base}${path}`);
      await checkAxe(page, what);
      await page.screenshot({ path: `/tmp/ta-${what.replace(' ', '-')}.png`, fullPage: true });
      const submit = page.locator('main form[novalidate] button[type=submit]');
      if (await submit.count()) {
        await submit.click();
        await page.getByRole('alert').waitFor();
        await checkAxe(page, `${what} with errors`);
      }
    }
    await page.goto(`${demo.base}/admin/`);
    await tabTo(page, '员工');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/staff$/);
    await checkAxe(page, 'staff');
    await tabTo(page, '添加员工');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/staff\/new$/);
    await tabTo(page, '添加员工');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor();
    assert.equal((await focused(page)).tag, 'div', 'the error summary has focus');
    await checkAxe(page, 'new staff with errors');
    await page.screenshot({ path: '/tmp/ta-staff-errors.png', fullPage: true });
    await tabTo(page, '用户名');
    await page.keyboard.type('wangkefu');
    await tabTo(page, '姓名');
    await page.keyboard.type('王客服');
    await tabTo(page, '初始密码');
    await page.keyboard.type('wang-ke-fu-2026-pass');
    // Tab enters the role radios at the first; the arrow keys move to 客服 (the fourth) and choose it.
    await tabTo(page, '店员');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    assert.equal((await focused(page)).name, '客服');
    await tabTo(page, '添加员工');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/staff\?done=created$/);
    await page.getByRole('status').getByText(/已添加员工/).waitFor();
    await page.getByRole('rowheader', { name: '王客服' }).waitFor();
    await checkAxe(page, 'staff after adding');
    await page.locator('tbody tr', { hasText: '王客服' }).getByRole('link').click();
    await page.waitForURL(/\/admin\/staff\/[0-9a-f-]+$/);
    await checkAxe(page, 'change staff');
    await page.context().close();
  });
});
