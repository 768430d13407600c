// A chat snapshot link opened in a browser with no session: Hub sends it to the page, which
// asks for the link's password, then shows the messages as plain text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=0']);

async function api(method, path, token, body) {
  const res = await fetch(`${env.hub.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

test('a snapshot link with a password opens signed out and shows the messages as text', { timeout: 90000 }, async () => {
  await h.registerViaApi(env.hub, 'alice');
  const login = await fetch(`${env.hub.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: h.PASSWORD }),
  });
  const token = (await login.json()).access_token;
  assert.ok(token);
  const advisor = await api('POST', '/api/v1/advisors', token, { name: 'Guide', model: 'm', gateway: 'echo', messages: [] });
  assert.equal(advisor.status, 200, advisor.text);
  const conversation = await api('POST', `/api/v1/chat/advisor/${advisor.json().id}/new`, token);
  assert.equal(conversation.status, 200, conversation.text);
  const id = conversation.json().id;
  const question = 'Is <b>this</b> & <img src=x onerror="window.pwned=1"> safe?';
  const said = await api('POST', `/api/v1/chat/${id}/message`, token, { message: question });
  assert.equal(said.status, 200, said.text);
  const link = await api('POST', `/api/v1/chat/${id}/links`, token, { password: 'open sesame' });
  assert.equal(link.status, 201, link.text);
  const url = `${env.hub.url}${link.json().url}`;

  // A fresh browser with no session opens the link the API gave.
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await page.goto(url);
  assert.match(page.url(), /#\/shared\/chats\/[A-Za-z0-9_-]{43}$/);
  await page.waitForSelector('#shared-password-form:not([hidden])');
  assert.match(await page.textContent('#shared-password-message'), /password/);

  await page.fill('#shared-password', 'open barley');
  await page.click('#shared-password-form button[type=submit]');
  await page.waitForSelector('#shared-password-message:text("not right")');
  assert.equal(await page.isHidden('#shared-snapshot'), true);

  await page.fill('#shared-password', 'open sesame');
  await page.click('#shared-password-form button[type=submit]');
  await page.waitForSelector('#shared-snapshot:not([hidden])');
  assert.equal(await page.isHidden('#shared-password-form'), true);
  const items = await page.$$eval('#shared-messages li .content', (ps) => ps.map((p) => p.textContent));
  assert.equal(items.length, 2);
  assert.equal(items[0], question);
  assert.ok(items[1].includes('<b>this</b>'));
  // Text, not markup: no element came out of the message, no script ran.
  assert.equal(await page.$$eval('#shared-messages b, #shared-messages img', (n) => n.length), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.match(await page.textContent('#shared-title'), /Guide/);
  assert.equal(await page.isHidden('#shared-continue'), true);  // signed out: nothing to continue into
  await h.screenshot(page, 'shared-chat');

  // One view was counted: the wrong password counted none.
  const listed = await api('GET', `/api/v1/chat/${id}/links`, token);
  assert.equal(listed.json()[0].views, 1);
  await h.assertClean(assert, page, problems);
  await context.close();
});
