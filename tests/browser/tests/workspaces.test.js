// Workspaces: an owner makes one, adds a viewer, uploads a file; the viewer sees and downloads
// it but Hub refuses their upload (shown in words); as editor they upload; removed, the
// workspace leaves their list. Deleted, a server admin recovers it with a new owner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/harness.js';

// hubd creates this admin account at start (HubGPT's API_USERNAME/API_PASSWORD).
const env = h.suite({ before, after }, [], { extraEnv: { API_USERNAME: 'root', API_PASSWORD: h.PASSWORD } });

const listed = (name) => `#workspace-list tr[data-name="${name}"]`;
const member = (name) => `#workspace-members tr[data-member-name="${name}"]`;
const fileRow = (path) => `#workspace-files tr[data-path="${path}"]`;

async function lastError(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll('#errors li').length >= n, count);
  return (await h.errorsShown(page))[0];
}

async function openWorkspace(page, name) {
  if (!page.url().endsWith('#workspaces')) await page.goto('/#workspaces');
  await page.click(`${listed(name)} button:text-is("Open")`);
  await page.waitForSelector(`#workspace-title:text-is("${name}")`);
}

async function upload(page, name, text) {
  await page.setInputFiles('#workspace-upload-file', { name, mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.click('#workspace-upload-form button[type=submit]');
}

test('workspace members, roles and files; removal; an admin recovers a deleted workspace', { timeout: 140000 }, async () => {
  await h.registerViaApi(env.hub, 'vera');
  const owner = await h.openPage(env.browser, env.hub);
  const page = owner.page;
  await h.register(page, 'wanda');
  await page.goto('/#workspaces');
  await page.waitForSelector('#workspace-list td.muted:text("You are in no workspace yet.")');

  await page.fill('#workspace-name', 'Design');
  await page.click('#workspace-form button[type=submit]');
  await page.waitForSelector(`${listed('Design')}[data-role="owner"]`);
  await page.waitForSelector(`#workspace-title:text-is("Design")`);
  await page.waitForSelector(`${member('wanda')}[data-role="owner"]`);
  // Deleted workspaces are a server admin's list only.
  assert.equal(await page.isHidden('#workspace-deleted-card'), true);

  // Unknown user: Hub's answer in words.
  await page.fill('#workspace-add-name', 'ghost');
  await page.click('#workspace-add-form button[type=submit]');
  assert.match(await lastError(page, 1), /^Add member: User not found \(HTTP 404, user_not_found\)/);
  await page.click('#errors .dismiss');

  await page.fill('#workspace-add-name', 'vera');
  await page.selectOption('#workspace-add-role', 'viewer');
  await page.click('#workspace-add-form button[type=submit]');
  await page.waitForSelector(`${member('vera')}[data-role="viewer"]`);
  assert.equal(await page.getAttribute(member('vera'), 'data-member-type'), 'user');

  await upload(page, 'plan.txt', 'the plan, version 1\n');
  await page.waitForSelector('#workspace-upload-state:text("Uploaded plan.txt")');
  await page.waitForSelector(fileRow('plan.txt'));
  assert.match(await page.textContent(`${fileRow('plan.txt')} td`), /B$/);

  // The workspace's feed shows what happened, newest first.
  await page.click('#workspaces-refresh');
  await page.waitForSelector('#workspace-activity-rows td:text-is("workspace.member_added")');
  const actions = await page.$$eval('#workspace-activity-rows tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent));
  assert.ok(actions.includes('workspace.created'), actions.join(','));
  assert.ok(actions.indexOf('workspace.member_added') < actions.indexOf('workspace.created'), 'newest first');
  assert.equal(await page.textContent('#workspace-activity-rows tr:has(td:text-is("workspace.member_added")) td:nth-child(6)'), 'user vera (viewer)');
  await h.screenshot(page, 'workspaces-owner');
  await h.assertClean(assert, page, owner.problems);

  // The viewer, in a second browser.
  const viewer = await h.openPage(env.browser, env.hub);
  const vpage = viewer.page;
  await h.signIn(vpage, 'vera');
  await openWorkspace(vpage, 'Design');
  assert.equal(await vpage.getAttribute(listed('Design'), 'data-role'), 'viewer');
  assert.match(await vpage.textContent('#workspace-my-role'), /viewer/);
  await vpage.waitForSelector(fileRow('plan.txt'));
  const got = await h.downloadBytes(vpage, `${fileRow('plan.txt')} button:text-is("Download")`);
  assert.equal(got.name, 'plan.txt');
  assert.equal(got.bytes.toString(), 'the plan, version 1\n');

  // A viewer may not write: Hub says so, nothing is stored.
  await upload(vpage, 'mine.txt', 'from vera');
  assert.match(await lastError(vpage, 1), /^Upload to workspace: .*\(HTTP 403, [a-z_]+\)/);
  await vpage.waitForSelector('#workspace-upload-state:text("Upload of mine.txt failed")');
  assert.equal(await vpage.locator(fileRow('mine.txt')).count(), 0);
  await vpage.click('#errors .dismiss');

  // The owner makes vera an editor: her upload works; renaming still needs admin.
  await page.selectOption(`${member('vera')} select`, 'editor');
  await page.click(`${member('vera')} button:text-is("Change role")`);
  await page.waitForSelector(`${member('vera')}[data-role="editor"]`);
  await upload(vpage, 'mine.txt', 'from vera');
  await vpage.waitForSelector(fileRow('mine.txt'));
  assert.deepEqual(await h.errorsShown(vpage), []);
  await vpage.fill('#workspace-rename-name', 'Vera design');
  await vpage.click('#workspace-rename-form button[type=submit]');
  assert.match(await lastError(vpage, 1), /^Rename workspace: This needs the admin role in the workspace \(HTTP 403, workspace_role_required\)/);
  await h.screenshot(vpage, 'workspaces-editor');
  await vpage.click('#errors .dismiss');

  // An advisor shared with the workspace reaches its members.
  await h.createAdvisor(page, { name: 'Brief' });
  await page.click('#advisor-list tr[data-name="Brief"] button:text-is("Share")');
  await page.check('#advisor-share-form input[name=principal_type][value=workspace]');
  await page.fill('#advisor-share-name', 'Design');
  await page.selectOption('#advisor-share-role', 'viewer');
  await page.click('#advisor-share-form button[type=submit]');
  await page.waitForSelector('#advisor-grants tr[data-principal-type="workspace"][data-principal-name="Design"]');
  assert.match(await page.textContent('#advisor-grants tr[data-principal-type="workspace"] th'), /^workspace Design$/);
  await vpage.goto('/#advisors');
  await vpage.waitForSelector('#advisor-list tr[data-name="Brief"][data-owner="wanda"][data-access="view"]');
  await vpage.goto('/#workspaces');

  // The owner sees vera's file too, and removes vera.
  await page.goto('/#workspaces');
  await page.waitForSelector('#workspace-detail:not([hidden])');
  await page.click('#workspaces-refresh');
  await page.waitForSelector(fileRow('mine.txt'));
  await page.click(`${member('vera')} button:text-is("Remove")`);
  await page.click(`${member('vera')} .confirm button:text-is("Yes, remove")`);
  await page.waitForSelector(member('vera'), { state: 'detached' });

  // After a refresh the workspace is gone from vera's list, and its card closed.
  await vpage.click('#workspaces-refresh');
  await vpage.waitForSelector(listed('Design'), { state: 'detached' });
  assert.equal(await vpage.isHidden('#workspace-detail'), true);
  await vpage.waitForSelector('#workspace-list td.muted:text("You are in no workspace yet.")');
  await h.assertClean(assert, vpage, viewer.problems);

  // The owner deletes it.
  await page.click('#workspace-delete');
  await page.click('#workspace-actions .confirm button:text-is("Yes, delete")');
  await page.waitForSelector(listed('Design'), { state: 'detached' });
  assert.match(await page.textContent('#status'), /Deleted workspace Design/);
  await h.assertClean(assert, page, owner.problems);

  // A server admin sees it among the deleted ones and recovers it with vera as an owner.
  const admin = await h.openPage(env.browser, env.hub);
  await h.signIn(admin.page, 'root');
  await admin.page.goto('/#workspaces');
  await admin.page.waitForSelector('#workspace-deleted-card:not([hidden])');
  const deleted = '#workspace-deleted tr[data-name="Design"]';
  await admin.page.waitForSelector(deleted);
  await admin.page.fill(`${deleted} input[name=owner]`, 'nobody');
  await admin.page.click(`${deleted} button:text-is("Recover")`);
  assert.match(await lastError(admin.page, 1), /^Recover workspace: User not found \(HTTP 404, user_not_found\)/);
  await admin.page.click('#errors .dismiss');
  await h.screenshot(admin.page, 'workspaces-admin');
  await admin.page.fill(`${deleted} input[name=owner]`, 'vera');
  await admin.page.click(`${deleted} button:text-is("Recover")`);
  await admin.page.waitForSelector(deleted, { state: 'detached' });
  assert.match(await admin.page.textContent('#status'), /Recovered workspace Design with vera as an owner/);
  await h.assertClean(assert, admin.page, admin.problems);

  // Back for vera as an owner, with both files; back for wanda too.
  await vpage.click('#workspaces-refresh');
  await vpage.waitForSelector(`${listed('Design')}[data-role="owner"]`);
  await openWorkspace(vpage, 'Design');
  await vpage.waitForSelector(fileRow('plan.txt'));
  await vpage.waitForSelector(fileRow('mine.txt'));
  await page.click('#workspaces-refresh');
  await page.waitForSelector(`${listed('Design')}[data-role="owner"]`);
  await h.assertClean(assert, vpage, viewer.problems);
  for (const c of [owner, viewer, admin]) await c.context.close();
});
