// Tools that need a grant (tools.access: granted): a user sees none; a server admin grants one
// to the user, who then sees it; revoked, it is gone again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after }, ['tools.access=granted'],
  { extraEnv: { API_USERNAME: 'root', API_PASSWORD: h.PASSWORD } });

const toolRow = (name) => `#tool-list tr[data-name="${name}"]`;

test('a server admin grants use of a tool to a user and revokes it', { timeout: 90000 }, async () => {
  const user = await h.openPage(env.browser, env.hub);
  await h.register(user.page, 'tess');
  await user.page.goto('/#tools');
  await user.page.waitForSelector('#tool-list td.muted:text("No tool is open to you.")');

  const admin = await h.openPage(env.browser, env.hub);
  const page = admin.page;
  await h.signIn(page, 'root');
  await page.goto('/#tools');
  await page.waitForSelector(toolRow('current_datetime'));
  const names = await page.$$eval('#tool-list tbody tr', (rows) => rows.map((r) => r.dataset.name));
  assert.ok(names.length >= 2, names.join(','));
  await page.click(`${toolRow('current_datetime')} button:text-is("Grants")`);
  await page.waitForSelector('#tool-access:not([hidden])');
  await page.waitForSelector('#tool-grants td.muted');

  // An unknown team: Hub's answer in words.
  await page.check('#tool-grant-form input[name=principal_type][value=team]');
  await page.fill('#tool-grant-name', 'nobody');
  await page.click('#tool-grant-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#errors li').length >= 1);
  assert.match((await h.errorsShown(page))[0], /^Grant tool: Team not found \(HTTP 404, team_not_found\)/);
  await page.click('#errors .dismiss');

  await page.check('#tool-grant-form input[name=principal_type][value=user]');
  await page.fill('#tool-grant-name', 'tess');
  await page.click('#tool-grant-form button[type=submit]');
  const granted = '#tool-grants tr[data-principal-name="tess"]';
  await page.waitForSelector(granted);
  assert.match(await page.textContent(granted), /use/);
  await h.screenshot(page, 'tool-grants');

  await user.page.click('#tools-refresh');
  await user.page.waitForSelector(toolRow('current_datetime'));
  assert.equal(await user.page.locator('#tool-list tbody tr').count(), 1);
  assert.equal(await user.page.locator(`${toolRow('current_datetime')} button`).count(), 0, 'no grants button for a user');

  await page.click(`${granted} button:text-is("Revoke")`);
  await page.waitForSelector(granted, { state: 'detached' });
  await user.page.click('#tools-refresh');
  await user.page.waitForSelector('#tool-list td.muted:text("No tool is open to you.")');
  await h.assertClean(assert, page, admin.problems);
  await h.assertClean(assert, user.page, user.problems);
  for (const c of [user, admin]) await c.context.close();
});
