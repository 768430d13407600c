// The Activity section: my advisor's history appears, newest first, and the kind filter works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

const env = h.suite({ before, after });

test('activity lists what happened to my advisor and filters by kind', { timeout: 90000 }, async () => {
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'alice');
  await h.createAdvisor(page, { name: 'Planner' });
  await page.goto('/#activity');
  await page.waitForSelector('#activity-rows td:text-is("advisor.created")');
  const cells = await page.locator('#activity-rows tr').first().locator('td').allTextContents();
  assert.equal(cells[1], 'alice');
  assert.equal(cells[2], 'advisor.created');
  assert.equal(cells[3], 'advisor Planner');
  await h.screenshot(page, 'activity');

  // Shares: none yet, said in words; back to everything.
  await page.selectOption('#activity-type', 'share');
  await page.waitForSelector('#activity-empty', { state: 'visible' });
  assert.equal(await page.locator('#activity-rows tr').count(), 0);
  await page.selectOption('#activity-type', '');
  await page.waitForSelector('#activity-rows td:text-is("advisor.created")');
  assert.equal(await page.isHidden('#activity-more'), true);
  await h.assertClean(assert, page, problems);
  await context.close();
});
