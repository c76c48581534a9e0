// What the browser tests share: the service on its demo data, Debian's Chromium, axe-core, keyboard steps.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** Why the browser tests cannot run here, or null. */
export const skipReason = !existsSync(CHROMIUM)
  ? `skipped: no browser at ${CHROMIUM} (install Debian's chromium)`
  : !process.env.CIVIC_BIN
    ? 'skipped: CIVIC_BIN names no civic binary (cargo build, then CIVIC_BIN=target/debug/civic)'
    : null;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `civic serve --demo` on SQLite in a new data directory; answers its base URL and demo accounts. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'civic-e2e-'));
  const port = await freePort();
  const env = { ...process.env, CIVIC_DATA_DIR: dir, CIVIC_BIND: `127.0.0.1:${port}`, RUST_LOG: 'warn' };
  for (const k of ['DATABASE_URL', 'DATABASE_ADMIN_URL', 'REDIS_URL', 'MEILI_URL', 'CIVIC_ENV']) delete env[k];
  const child = spawn(process.env.CIVIC_BIN, ['serve', '--demo'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`civic did not start:\n${out}`)), 120_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('the admin console at')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`civic exited ${code}:\n${out}`)));
  });
  const account = (re) => {
    const m = out.match(re);
    assert.ok(m, `no ${re} in:\n${out}`);
    return { username: m[1], password: m[2] };
  };
  return {
    base: `http://127.0.0.1:${port}`,
    tenant: 'bj-massage',
    manager: account(/张店长: (\S+) \/ (\S+)/),
    staff: account(/李前台: (\S+) \/ (\S+)/),
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, with nothing that reaches out to the network by itself. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page that may load from 127.0.0.1 only: any other request is aborted and remembered in `offsite`. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', ...options });
  const page = await context.newPage();
  page.offsite = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    page.offsite.push(url.href);
    return route.abort();
  });
  return page;
}

const AXE = require.resolve('axe-core/axe.min.js');

/** Runs axe with the WCAG 2.1 A and AA rules; fails on any serious or critical violation. */
export async function checkAxe(page, what) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`);
  assert.deepEqual(text, [], `${what}: axe found serious or critical violations`);
  assert.deepEqual(page.offsite, [], `${what}: requests to other hosts`);
  return result.violations.length;
}

/** The focused element: its role-ish tag, its accessible name, and whether its focus can be seen. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', name: '', visible: false };
    const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
    const name = (el.getAttribute('aria-label') || (label && label.textContent) || el.textContent || el.value || '')
      .replace(/\s+/g, ' ')
      .trim();
    const s = getComputedStyle(el);
    const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    return { tag: el.tagName.toLowerCase(), name, visible };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element's name is `name`; every stop must show its focus. */
export async function tabTo(page, name, { back = false, max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    assert.ok(f.visible, `focus on ${f.tag} "${f.name}" is not visible`);
    if (f.name === name) return f;
  }
  assert.fail(`Tab never reached "${name}"`);
}

/** Signs a member of staff in to the console with the mouse and waits for their first page. */
export async function signIn(page, demo, who) {
  await page.goto(`${demo.base}/admin/login`);
  await page.getByLabel('机构代码').fill(demo.tenant);
  await page.getByLabel('用户名').fill(who.username);
  await page.getByLabel('密码', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.waitForURL(`${demo.base}/admin/`);
}

/** On the sign-in page, signs a member of staff in by keyboard alone, every stop showing its focus. */
export async function keyboardSignIn(page, demo, who) {
  await tabTo(page, '机构代码');
  await page.keyboard.type(demo.tenant);
  await tabTo(page, '用户名');
  await page.keyboard.type(who.username);
  await tabTo(page, '密码');
  await page.keyboard.type(who.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${demo.base}/admin/`);
}
