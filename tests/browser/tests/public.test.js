// Make a file public, read its link signed out, make it private again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('make public shows a link that works signed out', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  const content = Buffer.from('hello, world of Hub\n');
  await h.uploadFile(page, 'hello.txt', content);
  await h.selectFile(page, 'hello.txt');
  await page.click('#file-public');
  await page.waitForSelector('#public-link-row:not([hidden])');
  assert.equal(await page.textContent('#file-public'), 'Make private');
  const link = await page.getAttribute('#public-link', 'href');
  assert.match(link, new RegExp(`^${env.hub.url}/api/v1/files/id/[0-9a-f-]+/raw$`));
  assert.equal(await page.textContent('#public-link'), link);
  await page.waitForSelector('#file-tree .badge:text-is("public")');
  await h.screenshot(page, 'files-public');

  // A browser with no session at all (fresh context) opens the link.
  const stranger = await env.browser.newContext();
  const strangerPage = await stranger.newPage();
  const res = await strangerPage.goto(link);
  assert.equal(res.status(), 200);
  assert.ok((await res.body()).equals(content));

  // Private again: the link stops working.
  await page.click('#file-public');
  await page.waitForSelector('#public-link-row', { state: 'hidden' });
  assert.equal(await page.textContent('#file-public'), 'Make public');
  const gone = await strangerPage.request.get(link);
  assert.equal(gone.status(), 404);
  await stranger.close();
  await h.assertClean(assert, page, problems);
  await context.close();
});
