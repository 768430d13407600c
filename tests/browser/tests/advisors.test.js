// Create, edit and delete an advisor with the form and its messages editor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

async function apiAdvisors(page) {
  return page.evaluate(async () => {
    const res = await fetch('/api/v1/advisors', { headers: { Authorization: `Bearer ${sessionStorage.getItem('hub.token')}` } });
    return res.json();
  });
}

test('create, edit and delete an advisor', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  const id = await h.createAdvisor(page, {
    name: 'Coach',
    messages: [{ role: 'system', content: 'You coach people. <$datetime$>' }, { role: 'user', content: 'Be brief.' }],
    tools: 'current_datetime',
  });
  assert.ok(id);
  let [saved] = await apiAdvisors(page);
  assert.equal(saved.name, 'Coach');
  assert.equal(saved.gateway, 'echo');
  assert.deepEqual(saved.tools, ['current_datetime']);
  assert.deepEqual(saved.messages, [{ role: 'system', content: 'You coach people. <$datetime$>' }, { role: 'user', content: 'Be brief.' }]);
  await h.screenshot(page, 'advisors-created');

  // Edit: the form loads the advisor; change fields and save (full replace).
  await page.click(`#advisor-list tr[data-name="Coach"] button:text-is("Edit")`);
  await page.waitForSelector('#advisor-form-title:text-is("Edit Coach")');
  assert.equal(await page.inputValue('#advisor-messages > li:nth-child(2) textarea'), 'Be brief.');
  await page.fill('#advisor-description', 'A patient coach');
  await page.fill('#advisor-temperature', '0.3');
  await page.fill('#advisor-top-p', '0.9');
  await page.uncheck('#advisor-stream');
  await page.click('#advisor-add-message');
  await page.locator('#advisor-messages > li').last().locator('textarea').fill('Understood.');
  await page.locator('#advisor-messages > li').last().locator('select').selectOption('assistant');
  await page.click('#advisor-form button[type=submit]');
  await page.waitForSelector('#status:text("Saved advisor Coach")');
  [saved] = await apiAdvisors(page);
  assert.equal(saved.id, id);
  assert.equal(saved.description, 'A patient coach');
  assert.equal(saved.temperature, 0.3);
  assert.equal(saved.top_p, 0.9);
  assert.equal(saved.stream, false);
  assert.equal(saved.messages.length, 3);
  assert.deepEqual(saved.messages[2], { role: 'assistant', content: 'Understood.' });

  // Errors in words: a duplicate name (409) and an empty model (422 field list).
  await h.createAdvisor(page, { name: 'Second' });
  await page.click(`#advisor-list tr[data-name="Second"] button:text-is("Edit")`);
  await page.fill('#advisor-name', 'Coach');
  await page.click('#advisor-form button[type=submit]');
  await page.waitForSelector('#errors li');
  assert.match((await h.errorsShown(page))[0], /Save advisor: Advisor with name 'Coach' already exists \(HTTP 409/);
  await page.fill('#advisor-name', 'Second');
  await page.fill('#advisor-model', '   ');  // passes the browser's `required`, not Hub's check
  await page.click('#advisor-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#errors li').length === 2);
  assert.match((await h.errorsShown(page))[0], /Save advisor: body\.model: .+\(HTTP 422/);
  await h.screenshot(page, 'advisors-errors');

  // Delete asks, then the row goes.
  await page.click(`#advisor-list tr[data-name="Second"] button:text-is("Delete")`);
  await page.click(`#advisor-list tr[data-name="Second"] button:text-is("Yes, delete")`);
  await page.waitForSelector('#advisor-list tr[data-name="Second"]', { state: 'detached' });
  assert.deepEqual((await apiAdvisors(page)).map((a) => a.name), ['Coach']);
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});
