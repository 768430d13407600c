// Starts a real hubd (fresh data dir, random loopback port, bundled plugins, echo LLM provider)
// and Debian's headless chromium through playwright-core, and gives each test a page on it.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = resolve(here, '..', '..', '..');

export const HUBD = process.env.HUBD || join(sourceDir, 'build', 'bin', 'hubd');
export const ARTIFACTS = process.env.HUB_BROWSER_ARTIFACTS || join(sourceDir, 'build', 'test-artifacts', 'browser');
export const CHROMIUM = process.env.HUB_CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'correct horse 1';

/**
 * Starts hubd with `sets` (["key=value", ...]) on port 0; resolves once it printed
 * "listening on http://HOST:PORT". Returns {url, stop(), log()}.
 */
export async function startHub(sets = [], { timeoutMs = 30000, extraEnv = {} } = {}) {
  if (!existsSync(HUBD)) throw new Error(`hubd not found at ${HUBD} (build first, or set HUBD)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-browser-'));
  const args = ['--port', '0', '--data-dir', dataDir, '--set', 'logging.access_log=false'];
  for (const s of sets) args.push('--set', s);
  const env = { ...process.env };
  for (const k of ['DATABASE_URL', 'API_USERNAME', 'API_PASSWORD', 'HUB_JWT_SECRET', 'JWT_SECRET_KEY', 'HUB_PORT']) delete env[k];
  Object.assign(env, extraEnv);  // e.g. API_USERNAME/API_PASSWORD: an admin account made at start
  const child = spawn(HUBD, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`hubd did not start within ${timeoutMs} ms:\n${err}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`hubd exited with ${code}:\n${err}`)); });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, stop, log: () => err };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (scripts/install-deps.sh installs it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh browser context (no shared storage) on `hub.url`, with every page error and CSP
 * violation collected in `problems` so a test can assert there were none.
 */
export async function openPage(browser, hub, { width = 1100, height = 800 } = {}) {
  const context = await browser.newContext({ baseURL: hub.url, viewport: { width, height }, acceptDownloads: true });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.goto('/');
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Registers `username` through the page's form (which then signs in with a JWT). */
export async function register(page, username, password = PASSWORD) {
  await page.goto('/#account');
  await page.fill('#register-username', username);
  await page.fill('#register-email', `${username}@example.com`);
  await page.fill('#register-password', password);
  await page.click('#register-form button[type=submit]');
  await page.waitForSelector(`#whoami:text("Signed in as ${username}")`);
}

/** Signs in through the page's form; mode 'bearer' (JWT) or 'basic'. */
export async function signIn(page, username, { password = PASSWORD, mode = 'bearer' } = {}) {
  await page.goto('/#account');
  await page.fill('#signin-username', username);
  await page.fill('#signin-password', password);
  await page.check(`#signin-form input[name=mode][value=${mode}]`);
  await page.click('#signin-form button[type=submit]');
  await page.waitForSelector(`#whoami:text("Signed in as ${username}")`);
}

/** Registers through the API (faster than the form when a test needs a second user). */
export async function registerViaApi(hub, username, password = PASSWORD) {
  const res = await fetch(`${hub.url}/api/v1/auth/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@example.com`, password }),
  });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function errorsShown(page) {
  return page.$$eval('#errors li', (items) => items.map((li) => li.textContent));
}

export function readBytes(path) { return readFileSync(path); }

/**
 * Per-file setup for node:test: one hubd and one browser for the file's tests.
 * Returns an object whose `hub` and `browser` are filled in by before(). `extraEnv` is added
 * to hubd's environment.
 */
export function suite({ before, after }, sets = [], { extraEnv = {} } = {}) {
  const env = { hub: null, browser: null };
  before(async () => {
    env.hub = await startHub(sets, { extraEnv });
    env.browser = await launchBrowser();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.hub) await env.hub.stop();
  });
  return env;
}

/** Uploads `buffer` as `name` (into `folder`) through the page and waits for it in the tree. */
export async function uploadFile(page, name, buffer, folder = '') {
  await page.goto('/#files');
  await page.fill('#upload-folder', folder);
  await page.setInputFiles('#upload-file', { name, mimeType: 'application/octet-stream', buffer });
  await page.click('#upload-form button[type=submit]');
  const path = folder ? `${folder}/${name}` : name;
  await page.waitForSelector(`#upload-progress-text:text("Uploaded ${path}")`);
  await page.waitForSelector(`#file-tree button[data-path="${path}"]`);
  return path;
}

/** Selects `path` in the files tree and waits for its details. */
export async function selectFile(page, path) {
  await page.click(`#file-tree button[data-path="${path}"]`);
  await page.waitForSelector(`#file-details-title:text-is("${path}")`);
}

/** Clicks `selector` and returns the bytes of the download it starts. */
export async function downloadBytes(page, selector) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

/** Creates an advisor with the page's form; `messages` as [{role, content}]. */
export async function createAdvisor(page, { name, model = 'echo-1', gateway = 'echo', stream = true, tools = '',
  messages = [{ role: 'system', content: 'You are a test advisor.' }] }) {
  await page.goto('/#advisors');
  await page.click('#advisor-new');
  await page.fill('#advisor-name', name);
  await page.fill('#advisor-model', model);
  await page.fill('#advisor-gateway', gateway);
  await page.fill('#advisor-tools', tools);
  if (stream) await page.check('#advisor-stream'); else await page.uncheck('#advisor-stream');
  // The form starts with one system message; make the editor hold exactly `messages`.
  const rows = page.locator('#advisor-messages > li');
  while (await rows.count() > 0) await rows.first().locator('button').click();
  for (const m of messages) {
    await page.click('#advisor-add-message');
    const row = rows.last();
    await row.locator('select').selectOption(m.role);
    await row.locator('textarea').fill(m.content);
  }
  await page.click('#advisor-form button[type=submit]');
  await page.waitForSelector(`#advisor-list tr[data-name="${name}"]`);
  return page.getAttribute(`#advisor-list tr[data-name="${name}"]`, 'data-id');
}

/** Asserts no page error or CSP violation happened and no error is on screen. */
export async function assertClean(assert, page, problems, { allowErrors = false } = {}) {
  assert.deepEqual(problems, [], 'no page errors or CSP violations');
  if (!allowErrors) assert.deepEqual(await errorsShown(page), [], 'no error shown');
}

/** Opens the chat section with `advisor` (by name) selected. */
export async function openChat(page, advisor) {
  await page.goto('/#chat');
  await page.waitForSelector(`#chat-advisor option:text-is("${advisor}")`, { state: 'attached' });
  await page.selectOption('#chat-advisor', { label: advisor });
}
