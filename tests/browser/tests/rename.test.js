// Rename in place and move to another folder through the file details.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('rename and move a file', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  const content = Buffer.from('notes of alice\n');
  await h.uploadFile(page, 'draft.txt', content, 'notes');
  await h.selectFile(page, 'notes/draft.txt');

  await page.fill('#rename-name', 'final.txt');
  await page.click('#rename-form button[type=submit]');
  await page.waitForSelector('#file-tree button[data-path="notes/final.txt"]');
  await page.waitForSelector('#file-tree button[data-path="notes/draft.txt"]', { state: 'detached' });
  await page.waitForSelector('#file-details-title:text-is("notes/final.txt")');
  assert.match(await page.textContent('#status'), /Renamed to notes\/final\.txt/);

  await page.fill('#move-path', 'archive/2026/final.txt');
  await page.click('#move-form button[type=submit]');
  await page.waitForSelector('#file-tree button[data-path="archive/2026/final.txt"]');
  await page.waitForSelector('#file-tree button[data-path="notes/final.txt"]', { state: 'detached' });
  await h.screenshot(page, 'files-renamed');
  const download = await h.downloadBytes(page, '#file-download');
  assert.ok(download.bytes.equals(content), 'the moved file keeps its bytes');

  // Renaming onto an existing name is refused, and the page says so.
  await h.uploadFile(page, 'other.txt', Buffer.from('other'), 'archive/2026');
  await h.selectFile(page, 'archive/2026/other.txt');
  await page.fill('#rename-name', 'final.txt');
  await page.click('#rename-form button[type=submit]');
  await page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(page))[0], /^Rename: .+\(HTTP 409/);
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});
