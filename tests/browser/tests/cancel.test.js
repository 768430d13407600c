// Cancel a reply while it streams: the stream stops, the partial reply is kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

// 150 ms per three words: the reply below would take about 5 s, so it is still running.
const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=150']);

test('cancel stops a streaming reply', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  await h.createAdvisor(page, { name: 'Slow' });
  await h.openChat(page, 'Slow');
  const words = Array.from({ length: 99 }, (_, i) => `w${i}`);
  await page.fill('#chat-input', words.join(' '));
  await page.click('#chat-send');
  await page.waitForFunction(() => {
    const el = document.querySelector('#transcript li.msg.assistant[data-streaming="true"] .content');
    return el && el.textContent.length > 0;
  });
  await page.click('#chat-cancel');
  await page.waitForSelector('#chat-state:text-is("Reply cancelled.")');
  assert.match(await page.textContent('#status'), /Cancelled the reply\./);
  assert.equal(await page.isEnabled('#chat-send'), true);
  assert.equal(await page.isEnabled('#chat-cancel'), false);
  // The stored reply is the part produced before the cancel.
  const reply = await page.locator('#transcript li.msg.assistant .content').last().textContent();
  assert.ok(reply.startsWith('Echo: w0'), reply);
  assert.ok(!reply.includes('w98'), `cut short: ${reply}`);
  await h.screenshot(page, 'chat-cancelled');

  // Cancel with nothing running says so instead of failing silently.
  await page.click('#chat-new');
  await page.waitForSelector('#chat-title:text-is("New conversation")');
  await page.waitForSelector('#chat-history button:text("2 messages")');
  await page.evaluate(() => { document.querySelector('#chat-cancel').disabled = false; });
  await page.click('#chat-cancel');
  await page.waitForSelector('#status:text("No reply was being generated.")');
  await h.assertClean(assert, page, problems);
  await context.close();
});
