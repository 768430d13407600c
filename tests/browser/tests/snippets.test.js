// Create a snippet, view it rendered, search, export, delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('create, view rendered, export and delete snippets', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  await page.goto('/#snippets');
  await page.waitForSelector('#snippet-list li.muted');
  await page.fill('#snippet-content', '# Meeting notes\nWe chose **Hub** #decision\n\n<script>alert(1)</script>');
  await page.fill('#snippet-tags', 'work');
  await page.click('#snippet-form button[type=submit]');
  await page.waitForSelector('#snippet-view-title:text-is("Meeting notes")');
  // Rendered by Hub: heading and bold as HTML, raw HTML shown as text, never run.
  assert.equal(await page.textContent('#snippet-view-body h1'), 'Meeting notes');
  assert.equal(await page.textContent('#snippet-view-body strong'), 'Hub');
  assert.equal(await page.locator('#snippet-view-body script').count(), 0);
  assert.match(await page.textContent('#snippet-view-meta'), /tags: work, decision/);
  await page.waitForSelector('#snippet-list button:text-is("Meeting notes")');
  await h.screenshot(page, 'snippets');

  await page.fill('#snippet-content', 'plain text, no title');
  await page.click('#snippet-form button[type=submit]');
  await page.waitForSelector('#snippet-list button:text-is("notepad: harness")');

  // Search narrows the list; export follows it.
  await page.fill('#snippet-q', 'meeting');
  await page.click('#snippet-filter button[type=submit]');
  await page.waitForSelector('#snippet-list button:text-is("notepad: harness")', { state: 'detached' });
  const md = await h.downloadBytes(page, '#snippets-export-md');
  assert.equal(md.name, 'snippets.md');
  const text = md.bytes.toString('utf8');
  assert.match(text, /^# Snippets/);
  assert.match(text, /## Meeting notes/);
  assert.doesNotMatch(text, /plain text, no title/);
  const html = await h.downloadBytes(page, '#snippets-export-html');
  assert.equal(html.name, 'snippets.html');
  assert.match(html.bytes.toString('utf8'), /<article/);

  // Delete the viewed snippet.
  await page.fill('#snippet-q', '');
  await page.click('#snippet-filter button[type=submit]');
  await page.click('#snippet-list button:text-is("Meeting notes")');
  await page.waitForSelector('#snippet-view-title:text-is("Meeting notes")');
  await page.click('#snippet-delete');
  await page.waitForSelector('#snippet-list button:text-is("Meeting notes")', { state: 'detached' });
  await page.waitForSelector('#snippet-view', { state: 'hidden' });
  await h.assertClean(assert, page, problems);
  await context.close();
});
