// A workspace's advisors and conversations in the workspace card: the owner creates an echo
// advisor, edits it, starts a conversation and watches the reply stream in; a viewer sees the
// advisor and the conversation and chats in it, but Hub refuses the viewer's new advisor and
// deleting the conversation (shown in words); removed, the workspace leaves the viewer's page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=60']);

const listed = (name) => `#workspace-list tr[data-name="${name}"]`;
const member = (name) => `#workspace-members tr[data-member-name="${name}"]`;
const advisorRow = (name) => `#workspace-advisors tr[data-name="${name}"]`;
const history = (text) => `#workspace-chat-history button:text("${text}")`;
const reply = '#workspace-transcript li.msg.assistant';

async function lastError(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#errors li').length >= n, count);
  return (await h.errorsShown(page))[0];
}

async function openWorkspace(page, name) {
  await page.goto('/#workspaces');
  await page.click(`${listed(name)} button:text-is("Open")`);
  await page.waitForSelector(`#workspace-title:text-is("${name}")`);
}

async function saveAdvisor(page, { name, model = 'echo-1', gateway = 'echo', prompt }) {
  await page.fill('#workspace-advisor-name', name);
  await page.fill('#workspace-advisor-model', model);
  await page.fill('#workspace-advisor-gateway', gateway);
  if (prompt !== undefined) await page.fill('#workspace-advisor-prompt', prompt);
  await page.click('#workspace-advisor-form button[type=submit]');
}

/** Sends `text` in the open workspace conversation and waits for the whole echo. */
async function chat(page, text) {
  await page.fill('#workspace-chat-input', text);
  await page.click('#workspace-chat-send');
  await page.waitForSelector('#workspace-chat-state:text("Reply finished (stop)")');
  assert.equal(await page.locator(`${reply} .content`).last().textContent(), `Echo: ${text}`);
}

test('a workspace advisor and conversation, shared by an owner and a viewer', { timeout: 140000 }, async () => {
  await h.registerViaApi(env.hub, 'vic');
  const owner = await h.openPage(env.browser, env.hub);
  const page = owner.page;
  await h.register(page, 'olga');
  await page.goto('/#workspaces');
  await page.fill('#workspace-name', 'Studio');
  await page.click('#workspace-form button[type=submit]');
  await page.waitForSelector('#workspace-title:text-is("Studio")');
  await page.waitForSelector('#workspace-advisors td.muted:text("No advisors yet.")');
  await page.fill('#workspace-add-name', 'vic');
  await page.selectOption('#workspace-add-role', 'viewer');
  await page.click('#workspace-add-form button[type=submit]');
  await page.waitForSelector(`${member('vic')}[data-role="viewer"]`);

  // The owner creates the workspace's echo advisor, then edits its prompt and model.
  await saveAdvisor(page, { name: 'Muse', prompt: 'You help the studio.' });
  await page.waitForSelector(advisorRow('Muse'));
  assert.match(await page.textContent('#status'), /Saved advisor Muse of Studio/);
  await page.click(`${advisorRow('Muse')} button:text-is("Edit")`);
  await page.waitForSelector('#workspace-advisor-form-title:text-is("Edit Muse")');
  assert.equal(await page.inputValue('#workspace-advisor-prompt'), 'You help the studio.');
  await saveAdvisor(page, { name: 'Muse', model: 'echo-2', prompt: 'You help the whole studio.' });
  await page.waitForSelector(`${advisorRow('Muse')} td:text-is("echo-2")`);
  const id = await page.getAttribute(advisorRow('Muse'), 'data-id');
  const stored = await page.evaluate(async (url) => {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${sessionStorage.getItem('hub.token')}` } });
    return res.json();
  }, `/api/v1/workspaces/${await page.getAttribute('#workspace-detail', 'data-id')}/advisors/${id}`);
  assert.deepEqual(stored.messages, [{ role: 'system', content: 'You help the whole studio.' }]);

  // A conversation with it: the reply streams in (seen mid-way), then the history lists it.
  assert.equal(await page.inputValue('#workspace-chat-advisor'), id);
  await page.click('#workspace-chat-new');
  await page.waitForSelector('#workspace-chat-title:text-is("New conversation")');
  const text = 'one two three four five six seven eight nine ten <b>eleven</b> & twelve';
  await page.fill('#workspace-chat-input', text);
  await page.click('#workspace-chat-send');
  const first = await (await page.waitForFunction(() => {
    const el = document.querySelector('#workspace-transcript li.msg.assistant[data-streaming="true"] .content');
    return el && el.textContent.length > 0 && { text: el.textContent, cancel: !document.querySelector('#workspace-chat-cancel').disabled };
  })).jsonValue();
  assert.ok(first.text.startsWith('Echo:') && !first.text.endsWith('twelve'), `seen while streaming: ${first.text}`);
  assert.equal(first.cancel, true);
  await page.waitForSelector('#workspace-chat-state:text("Reply finished (stop)")');
  assert.equal(await page.locator(`${reply} .content`).last().textContent(), `Echo: ${text}`);
  // The user's text is text: no element was made of it.
  assert.equal(await page.textContent('#workspace-transcript li.msg.user .content'), text);
  assert.equal(await page.locator('#workspace-transcript b').count(), 0);
  await page.waitForSelector(history('2 messages'));
  await h.screenshot(page, 'workspace-chat-owner');
  await h.assertClean(assert, page, owner.problems);

  // The viewer, in a second browser: sees the advisor and the conversation, and chats in it.
  const viewer = await h.openPage(env.browser, env.hub);
  const vpage = viewer.page;
  await h.signIn(vpage, 'vic');
  await openWorkspace(vpage, 'Studio');
  await vpage.waitForSelector(advisorRow('Muse'));
  await vpage.click(history('2 messages'));
  await vpage.waitForSelector(`#workspace-transcript li.msg.user .content:text-is("${text}")`);
  assert.equal(await vpage.locator('#workspace-transcript li.msg').count(), 2);
  await chat(vpage, 'from the viewer');
  await vpage.waitForSelector(history('4 messages'));
  assert.deepEqual(await h.errorsShown(vpage), []);

  // Creating an advisor and deleting the conversation are Hub's refusals, in words.
  await vpage.click('#workspace-advisor-clear');
  await saveAdvisor(vpage, { name: 'Mine', prompt: 'Mine.' });
  assert.match(await lastError(vpage, 1), /^Save advisor: .*\(HTTP 403, permission_denied\)/);
  assert.equal(await vpage.locator(advisorRow('Mine')).count(), 0);
  await vpage.click('#workspace-chat-delete');
  await vpage.click('#workspace-chat-form .confirm button:text-is("Yes, delete")');
  assert.match(await lastError(vpage, 2), /^Delete conversation: .*\(HTTP 403, [a-z_]+\)/);
  await h.screenshot(vpage, 'workspace-chat-viewer');
  await vpage.click('#errors .dismiss');
  await vpage.click('#errors .dismiss');
  await h.assertClean(assert, vpage, viewer.problems);

  // The owner sees the viewer's message after a refresh, and starts and deletes a second one.
  await page.click('#workspaces-refresh');
  await page.waitForSelector(history('4 messages'));
  await page.click(history('4 messages'));
  await page.waitForSelector('#workspace-transcript li.msg.user .content:text-is("from the viewer")');
  await page.click('#workspace-chat-new');
  await page.waitForFunction(() => document.querySelectorAll('#workspace-chat-history button').length === 2);
  await chat(page, 'short-lived');
  await page.click('#workspace-chat-delete');
  await page.click('#workspace-chat-form .confirm button:text-is("Yes, delete")');
  await page.waitForSelector('#workspace-chat-title:text-is("No conversation")');
  await page.waitForFunction(() => document.querySelectorAll('#workspace-chat-history button').length === 1);
  assert.equal(await page.isHidden('#workspace-chat-form'), true);

  // The owner removes the viewer: after a refresh the workspace is gone from their page.
  await page.click(`${member('vic')} button:text-is("Remove")`);
  await page.click(`${member('vic')} .confirm button:text-is("Yes, remove")`);
  await page.waitForSelector(member('vic'), { state: 'detached' });
  await vpage.click('#workspaces-refresh');
  await vpage.waitForSelector(listed('Studio'), { state: 'detached' });
  assert.equal(await vpage.isHidden('#workspace-detail'), true);
  assert.equal(await vpage.locator('#workspace-transcript li').count(), 0);
  assert.equal(await vpage.locator('#workspace-advisors tbody tr').count(), 0);
  await vpage.reload();
  await vpage.waitForSelector('body[data-ready="true"]');
  await vpage.waitForSelector('#workspace-list td.muted:text("You are in no workspace yet.")');
  await h.assertClean(assert, vpage, viewer.problems);

  // An advisor without streaming answers in one piece.
  await page.click('#workspace-advisor-clear');
  await page.uncheck('#workspace-advisor-stream');
  await saveAdvisor(page, { name: 'Quiet', prompt: '' });
  await page.waitForSelector(advisorRow('Quiet'));
  await page.click(`${advisorRow('Quiet')} button:text-is("Chat")`);
  await page.waitForFunction(() => document.querySelectorAll('#workspace-chat-history button').length === 0);
  await page.click('#workspace-chat-new');
  await page.waitForSelector('#workspace-chat-title:text-is("New conversation")');
  await chat(page, 'all at once');
  await page.waitForSelector(history('2 messages'));

  // Deleting an advisor takes its conversations with it.
  await page.selectOption('#workspace-chat-advisor', { label: 'Muse' });
  await page.waitForSelector(history('4 messages'));
  await page.click(`${advisorRow('Muse')} button:text-is("Delete")`);
  await page.click(`${advisorRow('Muse')} .confirm button:text-is("Yes, delete")`);
  await page.waitForSelector(advisorRow('Muse'), { state: 'detached' });
  assert.equal(await page.inputValue('#workspace-chat-advisor'), await page.getAttribute(advisorRow('Quiet'), 'data-id'));
  await page.waitForSelector(history('2 messages'));
  await h.assertClean(assert, page, owner.problems);
  for (const c of [owner, viewer]) await c.context.close();
});
