// Teams and advisor sharing: manage a team (members, roles, rename, leave, delete), share an
// advisor with the team, the member sees it with its owner and chats with it, losing
// membership takes it away; explain access; errors in words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

// Slow enough chunks that the member's reply is seen streaming.
const env = h.suite({ before, after }, ['plugins.chat.config.echo_chunk_delay_ms=40']);

const team = (name) => `#team-list article.team[data-name="${name}"]`;
const member = (teamName, username) => `${team(teamName)} tr[data-username="${username}"]`;

/** The most recent error shown, after waiting for the list to have `count` entries. */
async function lastError(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#errors li').length >= n, count);
  return (await h.errorsShown(page))[0];
}

test('manage a team: members, roles, rename, leave, delete; errors in words', { timeout: 120000 }, async () => {
  await h.registerViaApi(env.hub, 'carol');
  const { page, problems, context } = await h.openPage(env.browser, env.hub);
  await h.register(page, 'dave');
  await page.goto('/#teams');
  await page.waitForSelector('#team-list p.muted:text("You are in no team yet.")');

  await page.fill('#team-name', 'Ops');
  await page.click('#team-form button[type=submit]');
  await page.waitForSelector(member('Ops', 'dave'));
  assert.equal(await page.getAttribute(member('Ops', 'dave'), 'data-role'), 'admin');
  assert.match(await page.textContent('#status'), /Created team Ops/);

  // Unknown user: explained, nothing added.
  await page.fill(`${team('Ops')} form.team-add input[name=username]`, 'ghost');
  await page.click(`${team('Ops')} form.team-add button[type=submit]`);
  assert.match(await lastError(page, 1), /^Add member: User not found \(HTTP 404, user_not_found\)/);

  // The last admin cannot step down.
  await page.selectOption(`${member('Ops', 'dave')} select`, 'member');
  await page.click(`${member('Ops', 'dave')} button:text-is("Change role")`);
  assert.match(await lastError(page, 2), /^Change role: The last admin of a team cannot be demoted \(HTTP 409, last_team_admin\)/);

  // Add carol as member, then make her admin.
  await page.fill(`${team('Ops')} form.team-add input[name=username]`, 'carol');
  await page.click(`${team('Ops')} form.team-add button[type=submit]`);
  await page.waitForSelector(`${member('Ops', 'carol')}[data-role="member"]`);
  await page.selectOption(`${member('Ops', 'carol')} select`, 'admin');
  await page.click(`${member('Ops', 'carol')} button:text-is("Change role")`);
  await page.waitForSelector(`${member('Ops', 'carol')}[data-role="admin"]`);

  // Rename.
  await page.fill(`${team('Ops')} form.team-rename input`, 'Ops crew');
  await page.click(`${team('Ops')} form.team-rename button[type=submit]`);
  await page.waitForSelector(member('Ops crew', 'carol'));

  // A second team to delete; narrow window screenshot of the view.
  await page.fill('#team-name', 'Temp');
  await page.click('#team-form button[type=submit]');
  await page.waitForSelector(team('Temp'));
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360px (overflow ${overflow}px)`);
  await h.screenshot(page, 'teams-360');
  await page.setViewportSize({ width: 1100, height: 800 });

  await page.click(`${team('Temp')} button:text-is("Delete team")`);
  await page.click(`${team('Temp')} button:text-is("Yes, delete")`);
  await page.waitForSelector(team('Temp'), { state: 'detached' });

  // Leave Ops crew (carol is admin now, so dave may go).
  await page.click(`${team('Ops crew')} button:text-is("Leave team")`);
  await page.click(`${team('Ops crew')} button:text-is("Yes, leave")`);
  await page.waitForSelector(team('Ops crew'), { state: 'detached' });
  await page.waitForSelector('#team-list p.muted:text("You are in no team yet.")');
  await h.assertClean(assert, page, problems, { allowErrors: true });
  await context.close();
});

test('share an advisor with a team: the member sees and chats with it until removed', { timeout: 150000 }, async () => {
  await h.registerViaApi(env.hub, 'bob');
  const alice = await h.openPage(env.browser, env.hub);
  await h.register(alice.page, 'alice');

  // Alice's team with bob in it.
  await alice.page.goto('/#teams');
  await alice.page.fill('#team-name', 'Crew');
  await alice.page.click('#team-form button[type=submit]');
  await alice.page.waitForSelector(team('Crew'));
  await alice.page.fill(`${team('Crew')} form.team-add input[name=username]`, 'bob');
  await alice.page.click(`${team('Crew')} form.team-add button[type=submit]`);
  await alice.page.waitForSelector(`${member('Crew', 'bob')}[data-role="member"]`);
  await h.screenshot(alice.page, 'teams-view');

  // Share an advisor with the team as `user`.
  await h.createAdvisor(alice.page, { name: 'Coach' });
  const row = '#advisor-list tr[data-name="Coach"]';
  assert.equal(await alice.page.textContent(`${row} td.advisor-owner`), 'you');
  await alice.page.click(`${row} button:text-is("Share")`);
  await alice.page.waitForSelector('#advisor-access-title:text-is("Share Coach")');
  assert.equal(await alice.page.evaluate(() => document.activeElement.id), 'advisor-share-name');
  await alice.page.check('#advisor-share-form input[name=principal_type][value=team]');
  await alice.page.fill('#advisor-share-name', 'Crew');
  await alice.page.selectOption('#advisor-share-role', 'user');
  await alice.page.click('#advisor-share-form button[type=submit]');
  const grant = alice.page.locator('#advisor-grants tr[data-principal-type="team"][data-principal-name="Crew"]');
  await grant.waitFor();
  assert.equal(await grant.getAttribute('data-role'), 'user');
  assert.equal(await grant.getAttribute('data-permissions'), 'view, use');
  assert.equal(await grant.locator('td').first().textContent(), 'user (view, use)');
  assert.match(await alice.page.textContent('#status'), /Shared Coach with team Crew as user/);

  // Sharing with someone who does not exist is explained.
  await alice.page.check('#advisor-share-form input[name=principal_type][value=user]');
  await alice.page.fill('#advisor-share-name', 'nobody-here');
  await alice.page.click('#advisor-share-form button[type=submit]');
  assert.match(await lastError(alice.page, 1), /^Share advisor: User not found \(HTTP 404, user_not_found\)/);
  assert.equal(await alice.page.locator('#advisor-grants tbody tr').count(), 1);

  // Explain: bob's access comes from the team grant.
  await alice.page.fill('#advisor-explain-user', 'bob');
  await alice.page.click('#advisor-explain-form button[type=submit]');
  const via = alice.page.locator('#advisor-explain li[data-principal-type="team"][data-principal-name="Crew"]');
  await via.waitFor();
  assert.match(await via.textContent(), /^granted to team Crew: user \(view, use\), granted by alice/);
  assert.equal(await alice.page.textContent('#advisor-explain dd[data-field="permissions"]'), 'view, use');
  assert.equal(await alice.page.textContent('#advisor-explain dd[data-field="reason"]'), 'grants');
  await h.screenshot(alice.page, 'advisors-sharing');
  await alice.page.setViewportSize({ width: 360, height: 800 });
  const overflow = await alice.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 360px (overflow ${overflow}px)`);
  assert.ok(await grant.locator('button:text-is("Revoke")').isVisible());
  await h.screenshot(alice.page, 'advisors-sharing-360');
  await alice.page.setViewportSize({ width: 1100, height: 800 });

  // Bob sees it with its owner and his access; he may view (not edit) and not delete it.
  const bob = await h.openPage(env.browser, env.hub);
  await h.signIn(bob.page, 'bob');
  await bob.page.goto('/#advisors');
  const shared = bob.page.locator('#advisor-list tr[data-name="Coach"][data-owner="alice"]');
  await shared.waitFor();
  assert.equal(await shared.locator('td.advisor-owner').textContent(), 'alice');
  assert.equal(await shared.getAttribute('data-access'), 'view, use');
  assert.equal(await shared.locator('button:text-is("Delete")').count(), 0);
  assert.equal(await shared.locator('button:text-is("Edit")').count(), 0);
  await shared.locator('button:text-is("View")').click();
  await bob.page.waitForSelector('#advisor-form-title:text-is("View Coach")');
  assert.match(await bob.page.textContent('#advisor-form-note'), /Shared with you by alice; your access: view, use \(read-only\)/);
  assert.equal(await bob.page.isDisabled('#advisor-name'), true);
  assert.equal(await bob.page.isVisible('#advisor-form button[type=submit]'), false);
  // Explain for himself.
  await shared.locator('button:text-is("Access")').click();
  await bob.page.waitForSelector('#advisor-access-title:text-is("Access to Coach")');
  assert.equal(await bob.page.isVisible('#advisor-share-form'), false);
  assert.equal(await bob.page.inputValue('#advisor-explain-user'), 'bob');
  await bob.page.click('#advisor-explain-form button[type=submit]');
  await bob.page.waitForSelector('#advisor-explain li[data-principal-name="Crew"]');
  await h.screenshot(bob.page, 'advisors-shared-with-me');

  // Bob chats with it: the echo reply streams in.
  await h.openChat(bob.page, 'Coach (shared by alice)');
  await bob.page.click('#chat-new');
  await bob.page.waitForSelector('#chat-title:text-is("New conversation")');
  const message = 'hello from the crew one two three four five six seven eight';
  await bob.page.fill('#chat-input', message);
  await bob.page.click('#chat-send');
  const partial = await (await bob.page.waitForFunction(() => {
    const el = document.querySelector('#transcript li.msg.assistant[data-streaming="true"] .content');
    return el && el.textContent.length > 0 && el.textContent;
  })).jsonValue();
  assert.ok(partial.startsWith('Echo:') && partial !== `Echo: ${message}`, `seen mid-stream: ${partial}`);
  await bob.page.waitForSelector('#chat-state:text("Reply finished (stop)")');
  assert.equal(await bob.page.locator('#transcript li.msg.assistant .content').last().textContent(), `Echo: ${message}`);

  // Alice removes bob from the team; after a refresh bob no longer has the advisor.
  await alice.page.goto('/#teams');
  await alice.page.click(`${member('Crew', 'bob')} button:text-is("Remove")`);
  await alice.page.click(`${member('Crew', 'bob')} button:text-is("Yes, remove")`);
  await alice.page.waitForSelector(member('Crew', 'bob'), { state: 'detached' });

  await bob.page.goto('/#advisors');
  await bob.page.click('#advisors-refresh');
  await shared.waitFor({ state: 'detached' });
  assert.equal(await bob.page.isHidden('#advisor-access'), true, 'the access card of a lost advisor closes');
  assert.equal(await bob.page.textContent('#advisor-form-title'), 'New advisor');
  await bob.page.goto('/#chat');
  await bob.page.waitForSelector('#chat-advisor option:text-is("(no advisors yet)")', { state: 'attached' });

  await h.assertClean(assert, bob.page, bob.problems);
  await h.assertClean(assert, alice.page, alice.problems, { allowErrors: true });
  await alice.context.close();
  await bob.context.close();
});
