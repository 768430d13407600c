// Sign in with a JWT and with HTTP Basic, register, who am I, sign out, errors in words,
// and the page at a narrow (360px) width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

// No session cache, so a revocation is seen by the very next request.
const env = h.suite({ before, after }, ['auth.session_cache_ms=0']);

test('register, see who I am, sign out, sign in again', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.screenshot(page, 'account-signed-out');
  await h.register(page, 'alice');
  await page.waitForSelector('#me-card:not([hidden])');
  assert.equal(await page.textContent('#me dd[data-field="username"]'), 'alice');
  assert.equal(await page.textContent('#me dd[data-field="email"]'), 'alice@example.com');
  await h.screenshot(page, 'account-signed-in');

  // The token survives a reload of the page (session storage), then sign out revokes it.
  await page.reload();
  await page.waitForSelector('#whoami:text("Signed in as alice (JWT)")');
  const token = await page.evaluate(() => sessionStorage.getItem('hub.token'));
  assert.ok(token);
  await page.click('#signout');
  await page.waitForSelector('#whoami:text-is("Signed out")');
  const after = await fetch(`${env.hub.url}/api/v1/auth/users/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401, 'the token is revoked by sign out');

  await h.signIn(page, 'alice');
  await h.assertClean(assert, page, problems);
  await context.close();
});

test('a wrong password is shown in words', { timeout: 60000 }, async () => {
  await h.registerViaApi(env.hub, 'bob');
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await page.fill('#signin-username', 'bob');
  await page.fill('#signin-password', 'not the password');
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#errors li');
  const [message] = await h.errorsShown(page);
  assert.match(message, /Sign in: Incorrect username or password \(HTTP 401/);
  assert.equal(await page.textContent('#whoami'), 'Signed out');

  // A 422 list detail is spelled out field by field.
  await page.fill('#register-username', 'carol');
  await page.fill('#register-email', 'carol@example.com');
  await page.fill('#register-password', 'short');
  await page.click('#register-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#errors li').length === 2);
  const [latest] = await h.errorsShown(page);
  assert.match(latest, /Register: body\.password: .*\(HTTP 422/);
  await h.screenshot(page, 'account-errors');
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});

test('Basic auth mode sends the password with each request (HubGPT parity)', { timeout: 60000 }, async () => {
  await h.registerViaApi(env.hub, 'dora');
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  const seen = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/')) seen.push(r.headers().authorization || ''); });
  await h.signIn(page, 'dora', { mode: 'basic' });
  await page.waitForSelector('#whoami:text("(Basic)")');
  await page.goto('/#files');
  await page.waitForSelector('#file-tree p');
  assert.ok(seen.length >= 2);
  const expected = `Basic ${Buffer.from(`dora:${h.PASSWORD}`).toString('base64')}`;
  for (const a of seen) assert.equal(a, expected);
  // A wrong Basic password is refused and leaves the page signed out.
  await page.click('#signout');
  await page.goto('/#account');
  await page.fill('#signin-username', 'dora');
  await page.fill('#signin-password', 'wrong password');
  await page.check('#signin-form input[name=mode][value=basic]');
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(page))[0], /HTTP 401/);
  assert.equal(await page.textContent('#whoami'), 'Signed out');
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});

test('readable at 360px: nothing wider than the window, keyboard reaches the tabs', { timeout: 60000 }, async () => {
  await h.registerViaApi(env.hub, 'erin');
  const { page, problems, context } = await h.openPage(env.browser, env.hub, { width: 360, height: 740 });
  await h.signIn(page, 'erin');
  for (const view of ['account', 'files', 'advisors', 'chat', 'snippets', 'workspaces', 'tools']) {
    await page.goto(`/#${view}`);
    await page.waitForSelector(`#view-${view}:not([hidden])`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${view} fits 360px (scrollWidth ${width})`);
    await h.screenshot(page, `narrow-${view}`);
  }
  // Tab from the top reaches the skip link, then the sections by keyboard alone.
  await page.goto('/#account');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  // Then the header's Sign out and the section links, in order.
  const order = [];
  for (let i = 0; i < 7; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement.textContent.trim()));
  }
  assert.deepEqual(order.slice(0, 6), ['Sign out', 'Account', 'Files', 'Advisors', 'Chat', 'Snippets']);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#view-snippets:not([hidden])');
  await h.assertClean(assert, page, problems);
  await context.close();
});

test('a session revoked elsewhere returns the page to signed out, with the reason shown', { timeout: 60000 }, async () => {
  await h.registerViaApi(env.hub, 'fred');
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.signIn(page, 'fred');
  await page.waitForSelector('#view-files:not([hidden])');
  const token = await page.evaluate(() => sessionStorage.getItem('hub.token'));
  const res = await fetch(`${env.hub.url}/api/v1/auth/logout?all=true`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  await page.click('#files-refresh');
  await page.waitForSelector('#errors li');
  await page.waitForSelector('#whoami:text-is("Signed out")');
  assert.match((await h.errorsShown(page))[0], /^Files: .+\(HTTP 401/);
  assert.match(await page.textContent('#status'), /Your session ended/);
  await page.waitForSelector('#view-account:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hub.token')), null);
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});
