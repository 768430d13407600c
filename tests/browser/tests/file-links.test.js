// Share links of files and folders: the owner makes them in the Files section's details card;
// whoever holds one opens it signed out at #/links/TOKEN to download the file (with the
// link's password, within its download limit) or to send files into a folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

async function login(username) {
  const res = await fetch(`${env.hub.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: h.PASSWORD }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).access_token;
}

async function apiGet(path, token) {
  const res = await fetch(`${env.hub.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Every request URL a page makes, to show a password never travels in one. */
function recordUrls(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

async function infoValue(page, list, key) {
  return page.locator(`${list} dt:text-is("${key}") + dd`).textContent();
}

test('a download link with a password and two downloads, opened signed out', { timeout: 120000 }, async () => {
  const alice = await h.openPage(env.browser, env.hub);
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await h.register(alice.page, 'alice');
  const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
  await h.uploadFile(alice.page, 'report.bin', content, 'docs');
  await h.selectFile(alice.page, 'docs/report.bin');
  assert.match(await alice.page.textContent('#file-link-legend'), /download link/);
  await alice.page.waitForSelector('#file-links-table td:text-is("No links.")');

  await alice.page.fill('#file-link-password', 'open sesame');
  await alice.page.fill('#file-link-max', '2');
  await alice.page.click('#file-link-form button[type=submit]');
  await alice.page.waitForSelector('#file-link-new:not([hidden])');
  const url = await alice.page.inputValue('#file-link-url');
  assert.match(url, new RegExp(`^${env.hub.url}/#/links/[A-Za-z0-9_-]{20,}$`));
  const token = url.split('/#/links/')[1];
  assert.equal(await alice.page.inputValue('#file-link-api-url'), `${env.hub.url}/api/v1/links/${token}`);
  await alice.page.click('#file-link-copy');
  await alice.page.waitForSelector('#status:text("Link copied")');
  assert.equal(await alice.page.evaluate(() => navigator.clipboard.readText()), url);
  assert.equal(await alice.page.inputValue('#file-link-password'), '', 'the password field is cleared');
  const row = alice.page.locator('#file-links-table tbody tr[data-id]');
  await row.waitFor();
  assert.deepEqual(await row.locator('td').allTextContents().then((t) => t.slice(1, 6)),
    ['me', 'never', '0 of 2', 'yes', 'active']);
  await h.screenshot(alice.page, 'file-links-owner');

  // A fresh browser with no session opens the link.
  const guest = await h.openPage(env.browser, env.hub);
  const urls = recordUrls(guest.page);
  await guest.page.goto(url);
  await guest.page.waitForSelector('#link-password-form:not([hidden])');
  assert.match(await guest.page.textContent('#link-password-message'), /password/);
  assert.equal(await guest.page.isHidden('#link-file'), true);

  await guest.page.fill('#link-password', 'open barley');
  await guest.page.click('#link-password-form button[type=submit]');
  await guest.page.waitForSelector('#link-password-message:text("Wrong password for this link")');
  assert.equal(await guest.page.isHidden('#link-file'), true);
  await h.screenshot(guest.page, 'file-links-wrong-password');

  await guest.page.fill('#link-password', 'open sesame');
  await guest.page.click('#link-password-form button[type=submit]');
  await guest.page.waitForSelector('#link-file:not([hidden])');
  assert.equal(await guest.page.textContent('#link-title'), 'report.bin');
  assert.equal(await infoValue(guest.page, '#link-file-info', 'File'), 'report.bin');
  assert.equal(await infoValue(guest.page, '#link-file-info', 'Downloads left'), '2');
  await h.screenshot(guest.page, 'file-links-download');

  const first = await h.downloadBytes(guest.page, '#link-download');
  assert.equal(first.name, 'report.bin');
  assert.ok(first.bytes.equals(content), 'the first download has the file\'s bytes');
  await guest.page.waitForSelector('#link-file-info dt:text-is("Downloads left") + dd:text-is("1")');
  const second = await h.downloadBytes(guest.page, '#link-download');
  assert.ok(second.bytes.equals(content), 'the second download has the file\'s bytes');

  // The limit is reached: the view says the link opens nothing any more.
  await guest.page.waitForSelector('#link-gone:not([hidden])');
  assert.match(await guest.page.textContent('#link-gone'), /opens nothing any more.*Share link not found/);
  assert.equal(await guest.page.isHidden('#link-file'), true);
  await h.screenshot(guest.page, 'file-links-used-up');
  assert.equal(urls.filter((u) => /sesame|barley/.test(decodeURIComponent(u))).length, 0, 'no password in any URL');
  await h.assertClean(assert, guest.page, guest.problems);

  // The owner sees both downloads and the link ended.
  await alice.page.click('#files-refresh');
  await alice.page.waitForSelector('#file-links-table tr[data-uses="2"][data-active="false"]');
  assert.equal(await alice.page.inputValue('#file-link-url'), url, 'the new link stays on screen while the file is selected');
  await h.assertClean(assert, alice.page, alice.problems);
  await guest.context.close();
  await alice.context.close();
});

test('a folder\'s upload link: two files of one name both land, revoking ends it', { timeout: 120000 }, async () => {
  await h.registerViaApi(env.hub, 'carol');
  const carol = await h.openPage(env.browser, env.hub);
  await h.signIn(carol.page, 'carol');
  await carol.page.goto('/#files');
  await carol.page.fill('#folder-path', 'inbox');
  await carol.page.click('#folder-form button[type=submit]');
  await carol.page.waitForSelector('#file-tree button[data-path="inbox"]');
  await h.selectFile(carol.page, 'inbox');
  assert.match(await carol.page.textContent('#file-link-legend'), /upload link/);
  assert.match(await carol.page.textContent('#file-link-max-label'), /uploads/);
  await carol.page.click('#file-link-form button[type=submit]');
  await carol.page.waitForSelector('#file-link-new:not([hidden])');
  const url = await carol.page.inputValue('#file-link-url');
  assert.match(url, /\/#\/links\/[A-Za-z0-9_-]{20,}$/);
  const apiUrl = await carol.page.inputValue('#file-link-api-url');

  // Signed out, through the API address a script would be given: Hub sends the browser to the page.
  const guest = await h.openPage(env.browser, env.hub);
  await guest.page.goto(apiUrl);
  assert.equal(guest.page.url(), url);
  await guest.page.waitForSelector('#link-upload-form:not([hidden])');
  assert.equal(await guest.page.textContent('#link-title'), 'Send files to inbox');
  assert.equal(await infoValue(guest.page, '#link-folder-info', 'Uploads left'), 'no limit');
  await guest.page.setInputFiles('#link-upload-files', [
    { name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('first x\n') },
    { name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('second x\n') },
  ]);
  await guest.page.click('#link-upload-form button[type=submit]');
  await guest.page.waitForSelector('#link-uploaded li:nth-child(2)');
  const got = await guest.page.$$eval('#link-uploaded li', (items) => items.map((li) => [li.dataset.name, li.textContent]));
  assert.deepEqual(got.map(([n]) => n), ['x.txt', 'x (1).txt']);
  assert.match(got[1][1], /x\.txt was saved as x \(1\)\.txt/);
  await guest.page.waitForSelector('#link-upload-progress-text:text("Sent x.txt: 100%")');
  await h.screenshot(guest.page, 'file-links-uploaded');

  // Both landed in carol's folder, with their own bytes.
  const token = await login('carol');
  const one = await apiGet('/api/v1/files/inbox/x.txt/raw', token);
  const two = await apiGet(`/api/v1/files/inbox/${encodeURIComponent('x (1).txt')}/raw`, token);
  assert.equal(one.status, 200);
  assert.equal(one.body.toString(), 'first x\n');
  assert.equal(two.status, 200);
  assert.equal(two.body.toString(), 'second x\n');

  // Carol revokes the link in her page; the open view finds it gone at the next upload.
  await carol.page.click('#files-refresh');
  const row = carol.page.locator('#file-links-table tbody tr[data-uses="2"]');
  await row.waitFor();
  await row.locator('button:text-is("Revoke")').click();
  await carol.page.waitForSelector('#status:text("Link revoked")');
  assert.equal(await carol.page.isHidden('#file-link-new'), true, 'the revoked link\'s address is no longer offered');
  await h.screenshot(carol.page, 'file-links-revoked');

  await guest.page.setInputFiles('#link-upload-files', { name: 'late.txt', mimeType: 'text/plain', buffer: Buffer.from('late\n') });
  await guest.page.click('#link-upload-form button[type=submit]');
  await guest.page.waitForSelector('#link-gone:not([hidden])');
  assert.equal(await guest.page.isHidden('#link-upload-form'), true);
  assert.match(await guest.page.textContent('#link-uploaded li[data-sent="late.txt"]'), /late\.txt was not sent/);
  assert.equal((await apiGet('/api/v1/files/inbox/late.txt/raw', token)).status, 404);
  await h.screenshot(guest.page, 'file-links-upload-revoked');

  // Opened afresh, the revoked link shows the same.
  const again = await h.openPage(env.browser, env.hub);
  await again.page.goto(url);
  await again.page.waitForSelector('#link-gone:not([hidden])');
  assert.equal(await again.page.isHidden('#link-upload-form'), true);
  for (const p of [guest, again, carol]) await h.assertClean(assert, p.page, p.problems);
  for (const p of [guest, again, carol]) await p.context.close();
});

test('an upload link with a password and one upload: the second file is refused with Hub\'s answer', { timeout: 90000 }, async () => {
  await h.registerViaApi(env.hub, 'dave');
  const dave = await h.openPage(env.browser, env.hub);
  await h.signIn(dave.page, 'dave');
  await dave.page.goto('/#files');
  await dave.page.fill('#folder-path', 'drop');
  await dave.page.click('#folder-form button[type=submit]');
  await h.selectFile(dave.page, 'drop');
  await dave.page.fill('#file-link-password', 'letter box');
  await dave.page.fill('#file-link-max', '1');
  await dave.page.click('#file-link-form button[type=submit]');
  await dave.page.waitForSelector('#file-links-table tr[data-id] td:text-is("0 of 1")');
  const url = await dave.page.inputValue('#file-link-url');

  const guest = await h.openPage(env.browser, env.hub);
  const urls = recordUrls(guest.page);
  await guest.page.goto(url);
  await guest.page.fill('#link-password', 'letter box');
  await guest.page.click('#link-password-form button[type=submit]');
  await guest.page.waitForSelector('#link-upload-form:not([hidden])');
  assert.equal(await infoValue(guest.page, '#link-folder-info', 'Uploads left'), '1');
  await guest.page.setInputFiles('#link-upload-files', [
    { name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('a\n') },
    { name: 'b.txt', mimeType: 'text/plain', buffer: Buffer.from('b\n') },
  ]);
  await guest.page.click('#link-upload-form button[type=submit]');
  await guest.page.waitForSelector('#link-gone:not([hidden])');
  assert.equal(await guest.page.getAttribute('#link-uploaded li:nth-child(1)', 'data-name'), 'a.txt');
  assert.equal(await guest.page.getAttribute('#link-uploaded li:nth-child(2)', 'data-failed'), 'share_link_not_found');
  assert.match(await guest.page.textContent('#link-uploaded li:nth-child(2)'), /b\.txt was not sent: Share link not found/);
  await h.screenshot(guest.page, 'file-links-upload-limit');
  assert.equal(urls.filter((u) => /letter/.test(decodeURIComponent(u))).length, 0, 'no password in any URL');

  const token = await login('dave');
  assert.equal((await apiGet('/api/v1/files/drop/a.txt/raw', token)).body.toString(), 'a\n');
  assert.equal((await apiGet('/api/v1/files/drop/b.txt/raw', token)).status, 404);
  await dave.page.click('#files-refresh');
  await dave.page.waitForSelector('#file-links-table tr[data-uses="1"][data-active="false"]');
  for (const p of [guest, dave]) await h.assertClean(assert, p.page, p.problems);
  for (const p of [guest, dave]) await p.context.close();
});
