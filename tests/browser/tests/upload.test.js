// Upload with a progress bar, then download the same bytes back; folders; delete.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('upload shows progress and the downloaded bytes are the uploaded ones', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  // Record every value the progress bar shows on its way to 100%.
  await page.goto('/#files');
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push(document.querySelector('#upload-progress').value))
      .observe(document.querySelector('#upload-progress'), { attributes: true });
  });
  const path = await h.uploadFile(page, 'data.bin', bytes, 'docs/reports');
  const seen = await page.evaluate(() => window.progressSeen);
  assert.equal(seen[0], 0, 'the bar starts at 0');
  assert.equal(seen.at(-1), 100, 'and ends at 100');
  assert.match(await page.textContent('#upload-progress-text'), /Uploaded docs\/reports\/data\.bin: 100%/);
  // The folders were created on the way and show in the tree.
  await page.waitForSelector('#file-tree button[data-path="docs"][data-type="folder"]');
  await page.waitForSelector('#file-tree button[data-path="docs/reports"][data-type="folder"]');

  await h.selectFile(page, path);
  assert.match(await page.textContent('#file-info'), /3\.0 MiB/);
  await h.screenshot(page, 'files-uploaded');
  const download = await h.downloadBytes(page, '#file-download');
  assert.equal(download.name, 'data.bin');
  assert.ok(download.bytes.equals(bytes), 'downloaded bytes equal the uploaded ones');

  // Delete asks first, then the file leaves the tree.
  await page.click('#file-delete');
  await page.waitForSelector('#file-delete-confirm:not([hidden])');
  await page.click('#file-delete-yes');
  await page.waitForSelector(`#file-tree button[data-path="${path}"]`, { state: 'detached' });
  await page.waitForSelector('#file-details', { state: 'hidden' });
  await h.assertClean(assert, page, problems);
  await context.close();
});

test('an upload the server refuses is explained', { timeout: 60000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'bob');
  await page.goto('/#files');
  // "tree" is a reserved top-level name: the API answers 4xx and the page says why.
  await page.setInputFiles('#upload-file', { name: 'tree', mimeType: 'text/plain', buffer: Buffer.from('x') });
  await page.click('#upload-form button[type=submit]');
  await page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(page))[0], /^Upload: .+\(HTTP 4\d\d/);
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});

test('a large file goes through the resumable upload API when Hub has one, else one PUT', { timeout: 120000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'carol');
  const calls = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/')) calls.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  const bytes = randomBytes(17 * 1024 * 1024 + 5);
  const path = await h.uploadFile(page, 'big.bin', bytes);
  // The page asks for a resumable session first; without the API it falls back to one PUT.
  assert.ok(calls.includes('POST /api/v1/uploads'), calls.join('\n'));
  const resumable = calls.some((c) => /^PUT \/api\/v1\/uploads\/[^/]+\/parts\/\d+$/.test(c));
  if (!resumable) assert.ok(calls.includes('PUT /api/v1/files/big.bin'), calls.join('\n'));
  await h.selectFile(page, path);
  const download = await h.downloadBytes(page, '#file-download');
  assert.ok(download.bytes.equals(bytes), `downloaded bytes equal the uploaded ones (${resumable ? 'resumable' : 'single PUT'})`);
  await h.assertClean(assert, page, problems);
  await context.close();
});
