// Share a file with a second user by name and see it as that user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('share with a user, who sees and downloads it; unshare takes it away', { timeout: 120000 }, async () => {
  await h.registerViaApi(env.hub, 'bob');
  const alice = await h.openPage(env.browser, env.hub);
  await h.register(alice.page, 'alice');
  const content = Buffer.from('quarterly numbers: 42\n');
  await h.uploadFile(alice.page, 'q3.txt', content, 'reports');
  await h.selectFile(alice.page, 'reports/q3.txt');
  await alice.page.fill('#share-user', 'bob');
  await alice.page.check('#share-form input[name=write]');
  await alice.page.click('#share-form button[type=submit]');
  const row = alice.page.locator('#shared-by-me tr[data-path="reports/q3.txt"][data-with="bob"]');
  await row.waitFor();
  assert.equal((await row.locator('td').nth(2).textContent()), 'read, write');
  await alice.page.waitForSelector('#file-info dd:text-is("1")');  // share count
  await h.screenshot(alice.page, 'files-shared-by-me');

  // Sharing with nobody is explained.
  await alice.page.fill('#share-user', 'nobody-here');
  await alice.page.click('#share-form button[type=submit]');
  await alice.page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(alice.page))[0], /^Share: .+\(HTTP 404/);

  const bob = await h.openPage(env.browser, env.hub);
  await h.signIn(bob.page, 'bob');
  await bob.page.goto('/#files');
  const shared = bob.page.locator('#shared-with-me tr[data-path="reports/q3.txt"][data-owner="alice"]');
  await shared.waitFor();
  assert.equal(await shared.locator('td').nth(2).textContent(), 'read, write');
  await h.screenshot(bob.page, 'files-shared-with-me');
  const download = await h.downloadBytes(bob.page, '#shared-with-me tr[data-path="reports/q3.txt"] button');
  assert.equal(download.name, 'q3.txt');
  assert.ok(download.bytes.equals(content));

  // Alice unshares; Bob's list empties on his next refresh.
  await row.locator('button').click();
  await row.waitFor({ state: 'detached' });
  await bob.page.click('#files-refresh');
  await shared.waitFor({ state: 'detached' });
  await h.assertClean(assert, bob.page, bob.problems);
  await h.assertClean(assert, alice.page, alice.problems, { allowErrors: true });
  await alice.context.close();
  await bob.context.close();
});
