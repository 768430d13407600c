// Sharing a conversation from the Chat section: with another user as viewer (they read it,
// with no message box), then as user (they continue it); a snapshot link with a password,
// shown once, opened signed out in a fresh browser; revoking the grant and the link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=0']);

const grant = (name) => `#chat-grants tr[data-principal-name="${name}"]`;

async function lastError(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#errors li').length >= n, count);
  return (await h.errorsShown(page))[0];
}

async function say(page, text) {
  const before = await page.locator('#transcript li.msg').count();
  await page.fill('#chat-input', text);
  await page.click('#chat-send');
  await page.waitForFunction((n) => document.querySelectorAll('#transcript li.msg').length >= n + 2
    && !document.querySelector('#transcript [data-streaming]'), before);
  await page.waitForSelector('#chat-state:text("Reply finished")');
  await page.waitForSelector(`#transcript li.msg.user .content:text-is("${text}")`);
}

const transcript = (page) => page.$$eval('#transcript li.msg .content', (els) => els.map((e) => e.textContent));

test('share a conversation with a user, then a password snapshot link opened signed out', { timeout: 140000 }, async () => {
  await h.registerViaApi(env.hub, 'bob');
  const alice = await h.openPage(env.browser, env.hub);
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = alice.page;
  await h.register(page, 'alice');
  await h.createAdvisor(page, { name: 'Guide' });
  await h.openChat(page, 'Guide');
  assert.equal(await page.isHidden('#chat-share'), true, 'nothing to share before a conversation is open');
  await page.click('#chat-new');
  await page.waitForSelector('#chat-share:not([hidden])');
  const id = await page.getAttribute('#chat-title', 'data-conversation');
  assert.equal(await page.getAttribute('#chat-share', 'data-conversation'), id);
  await page.waitForSelector('#chat-grants td.muted:text("Not shared with anyone.")');
  const first = 'What is <b>bold</b> & safe?';
  await say(page, first);

  // An unknown user: Hub's answer in words.
  await page.fill('#chat-share-name', 'nobody');
  await page.click('#chat-share-form button[type=submit]');
  assert.match(await lastError(page, 1), /^Share conversation: User not found \(HTTP 404, user_not_found\)/);
  await page.click('#errors .dismiss');

  // bob as viewer.
  await page.fill('#chat-share-name', 'bob');
  await page.selectOption('#chat-share-role', 'viewer');
  await page.click('#chat-share-form button[type=submit]');
  await page.waitForSelector(`${grant('bob')}[data-role="viewer"]`);
  assert.match(await page.textContent(grant('bob')), /viewer \(view\)/);

  // A snapshot link with a password: its address is shown once, with a copy button.
  await page.fill('#chat-link-password', 'open sesame');
  await page.fill('#chat-link-max-views', '5');
  await page.click('#chat-link-form button[type=submit]');
  await page.waitForSelector('#chat-link-new:not([hidden])');
  const url = await page.inputValue('#chat-link-url');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/shared\/chats\/[A-Za-z0-9_-]{43}$/);
  await page.click('#chat-link-copy');
  await page.waitForSelector('#status:text("Link copied.")');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await page.waitForSelector('#chat-links tbody tr[data-active="true"]');
  const linkCells = await page.locator('#chat-links tbody tr').first().locator('td').allTextContents();
  assert.equal(linkCells[2], '0 of 5');
  assert.equal(linkCells[3], 'yes');
  assert.equal(await page.inputValue('#chat-link-password'), '', 'the password is not kept in the form');
  await h.screenshot(page, 'chat-share-owner');

  // A later message is not part of the snapshot.
  await say(page, 'after the link');
  assert.equal(await page.inputValue('#chat-link-url'), url, 'the new link stays on screen while the conversation is open');

  // bob sees it among the conversations shared with him and reads it, with no message box.
  const bob = await h.openPage(env.browser, env.hub);
  const bpage = bob.page;
  await h.signIn(bpage, 'bob');
  await bpage.goto('/#chat');
  const sharedItem = `#chat-shared-list button[data-conversation="${id}"]`;
  await bpage.waitForSelector(sharedItem);
  assert.match(await bpage.textContent(sharedItem), /by alice · view$/);
  await bpage.click(sharedItem);
  await bpage.waitForSelector(`#chat-title[data-conversation="${id}"]`);
  assert.match(await bpage.textContent('#chat-shared-note'), /Shared with you by alice; your access: view \(read-only\)/);
  assert.equal(await bpage.isHidden('#chat-form'), true);
  assert.equal(await bpage.isHidden('#chat-share'), true, 'a viewer may not share it on');
  const seen = await transcript(bpage);
  assert.equal(seen[0], first);
  assert.equal(seen.length, 4);
  assert.equal(await bpage.$$eval('#transcript b', (n) => n.length), 0, 'text, not markup');
  await h.screenshot(bpage, 'chat-share-viewer');

  // alice makes bob a user (the same grant, changed): he continues the conversation.
  await page.fill('#chat-share-name', 'bob');
  await page.selectOption('#chat-share-role', 'user');
  await page.click('#chat-share-form button[type=submit]');
  await page.waitForSelector(`${grant('bob')}[data-role="user"]`);
  assert.equal(await page.locator('#chat-grants tbody tr').count(), 1);
  await bpage.goto('/#account');
  await bpage.goto('/#chat');
  await bpage.waitForSelector(`#chat-shared-list button[data-conversation="${id}"][data-permissions="view, use"]`);
  await bpage.click(`#chat-shared-list button[data-conversation="${id}"]`);
  await bpage.waitForSelector('#chat-form:not([hidden])');
  assert.match(await bpage.textContent('#chat-shared-note'), /your access: view, use\.$/);
  assert.equal(await bpage.isDisabled('#chat-delete'), true, 'only the owner deletes it');
  await say(bpage, 'bob continues');
  assert.equal((await transcript(bpage)).length, 6);
  await h.assertClean(assert, bpage, bob.problems);

  // The link, signed out, in a fresh browser: password first, then the snapshot as it was.
  const guest = await h.openPage(env.browser, env.hub);
  await guest.page.goto(url);
  await guest.page.waitForSelector('#shared-password-form:not([hidden])');
  await guest.page.fill('#shared-password', 'open sesame');
  await guest.page.click('#shared-password-form button[type=submit]');
  await guest.page.waitForSelector('#shared-snapshot:not([hidden])');
  const snap = await guest.page.$$eval('#shared-messages li .content', (ps) => ps.map((p) => p.textContent));
  assert.equal(snap.length, 2);
  assert.equal(snap[0], first);
  await h.assertClean(assert, guest.page, guest.problems);
  await guest.context.close();

  // alice sees the view counted, revokes the link and bob's grant.
  await page.goto('/#account');
  await page.goto('/#chat');
  await page.click(`#chat-history button[data-conversation="${id}"]`);
  await page.waitForSelector('#chat-links tbody tr td:text-is("1 of 5")');
  assert.equal((await transcript(page)).length, 6, 'bob\'s message is in alice\'s conversation');
  await page.click('#chat-links tbody tr button:text-is("Revoke")');
  await page.waitForSelector('#chat-links td.muted:text("No links.")');
  await page.click(`${grant('bob')} button:text-is("Revoke")`);
  await page.waitForSelector('#chat-grants td.muted:text("Not shared with anyone.")');
  await h.assertClean(assert, page, alice.problems);

  // The revoked link opens nothing; bob's list is empty after a refresh.
  const late = await h.openPage(env.browser, env.hub);
  await late.page.goto(url);
  assert.match(await lastError(late.page, 1), /^Shared conversation: .*\(HTTP 404, share_link_not_found\)/);
  await late.context.close();
  await bpage.goto('/#account');
  await bpage.goto('/#chat');
  await bpage.waitForSelector('#chat-shared-list li.muted:text("Nothing shared with you.")');
  for (const c of [alice, bob]) await c.context.close();
});
