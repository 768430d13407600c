// Chat with an echo advisor: the reply streams in piece by piece, tool calls and their results
// show, conversations are kept in the history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

// 60 ms between the echo provider's chunks: slow enough to watch, fast enough for CI.
const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=60']);

/** Records the streaming reply's text length at every DOM change of the transcript. */
async function watchStream(page) {
  await page.evaluate(() => {
    window.replyLengths = [];
    window.streamObserver?.disconnect();
    window.streamObserver = new MutationObserver(() => {
      const live = document.querySelector('#transcript li.msg.assistant[data-streaming="true"] .content');
      if (live) window.replyLengths.push(live.textContent.length);
    });
    window.streamObserver.observe(document.querySelector('#transcript'), { childList: true, subtree: true, characterData: true });
  });
}

test('the reply streams in, then the conversation is in the history', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  await h.createAdvisor(page, { name: 'Parrot' });
  await h.openChat(page, 'Parrot');
  await page.click('#chat-new');
  await page.waitForSelector('#chat-title:text-is("New conversation")');

  const message = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';
  await watchStream(page);
  await page.fill('#chat-input', message);
  await page.click('#chat-send');
  // Mid-stream (read in the page at the first text): the reply is not complete yet and
  // Cancel is offered while Send waits.
  const first = await (await page.waitForFunction(() => {
    const el = document.querySelector('#transcript li.msg.assistant[data-streaming="true"] .content');
    return el && el.textContent.length > 0 && {
      text: el.textContent,
      cancel: !document.querySelector('#chat-cancel').disabled,
      send: !document.querySelector('#chat-send').disabled,
    };
  })).jsonValue();
  assert.ok(!first.text.endsWith('fifteen'), `observed before the reply was complete: ${first.text}`);
  assert.ok(first.text.startsWith('Echo:'), first.text);
  assert.equal(first.cancel, true);
  assert.equal(first.send, false);
  await h.screenshot(page, 'chat-streaming');

  await page.waitForSelector('#chat-state:text("Reply finished (stop)")');
  const lengths = await page.evaluate(() => window.replyLengths);
  const growing = [...new Set(lengths.filter((n) => n > 0))];
  assert.ok(growing.length >= 3, `the text grew in several steps: ${JSON.stringify(lengths)}`);
  for (let i = 1; i < growing.length; i += 1) assert.ok(growing[i] > growing[i - 1], 'and only grew');
  const replies = page.locator('#transcript li.msg.assistant .content');
  assert.equal(await replies.last().textContent(), `Echo: ${message}`);
  assert.equal(await page.isEnabled('#chat-cancel'), false);
  await h.screenshot(page, 'chat-done');

  // A second message in the same conversation, then the history lists it with 4 messages.
  await page.fill('#chat-input', 'again');
  await page.click('#chat-send');
  await page.waitForSelector('#transcript li.msg.assistant .content:text-is("Echo: again")');
  await page.waitForSelector('#chat-history button:text("4 messages")');
  // A new conversation, then back to the first one through the history.
  await page.click('#chat-new');
  await page.waitForSelector('#transcript li', { state: 'detached' });
  await page.waitForFunction(() => document.querySelectorAll('#chat-history button').length === 2);
  await page.click('#chat-history button:text("4 messages")');
  await page.waitForSelector('#transcript li.msg.user .content:text-is("again")');
  assert.equal(await page.locator('#transcript li.msg').count(), 4);
  await h.assertClean(assert, page, problems);
  await context.close();
});

test('tool calls and their results are shown', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'bob');
  await h.createAdvisor(page, { name: 'Clock', tools: 'current_datetime' });
  await h.openChat(page, 'Clock');
  await page.fill('#chat-input', 'what time is it? [[tool:current_datetime {}]]');
  await page.click('#chat-send');
  await page.waitForSelector('#chat-state:text("Reply finished")');
  const call = page.locator('#transcript li.msg.assistant .tool-call');
  await call.waitFor();
  assert.match(await call.textContent(), /current_datetime/);
  const result = page.locator('#transcript li.msg.tool');
  assert.match(await result.locator('.msg-role').textContent(), /result of current_datetime/);
  assert.match(await result.locator('.content').textContent(), /"utc"/);
  assert.match(await page.locator('#transcript li.msg.assistant .content').last().textContent(),
    /Tool current_datetime returned: /);
  await h.screenshot(page, 'chat-tools');
  await h.assertClean(assert, page, problems);
  await context.close();
});

test('chat errors are shown: an advisor on an unknown gateway', { timeout: 60000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'carol');
  await h.createAdvisor(page, { name: 'Lost', gateway: 'no-such-gateway' });
  await h.openChat(page, 'Lost');
  await page.fill('#chat-input', 'hello?');
  await page.click('#chat-send');
  await page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(page))[0], /^Chat: .+/);
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});
