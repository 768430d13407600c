// Entry point: hash routing between the panels and the signed-in state they share.
import * as api from './api.js';
import { $, notify, showError } from './ui.js';
import * as auth from './auth.js';
import * as files from './files.js';
import * as advisors from './advisors.js';
import * as chat from './chat.js';
import * as snippets from './snippets.js';
import * as teams from './teams.js';
import * as activity from './activity.js';
import * as workspaces from './workspaces.js';
import * as tools from './tools.js';
import * as shared from './shared.js';
import * as links from './links.js';

const panels = { account: auth, files, advisors, chat, snippets, teams, workspaces, tools, activity, shared, links };
const needsSignIn = new Set(['files', 'advisors', 'chat', 'snippets', 'teams', 'workspaces', 'tools', 'activity']);

function currentView() {
  // A share link's page (#/shared/chats/TOKEN) needs no sign-in.
  if (shared.tokenFromHash()) return 'shared';
  // So does a file's or folder's share link (#/links/TOKEN).
  if (location.hash.startsWith('#/links/')) return 'links';
  const name = location.hash.replace(/^#/, '');
  return panels[name] && name !== 'shared' && name !== 'links' ? name : 'account';
}

function show(name) {
  if (needsSignIn.has(name) && !api.hasCredentials()) {
    notify('Sign in first to use this section.');
    name = 'account';
    history.replaceState(null, '', '#account');
  }
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${name}`;
  for (const link of document.querySelectorAll('.tabs a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.body.dataset.view = name;
  panels[name].show?.();
}

window.addEventListener('hashchange', () => show(currentView()));

for (const panel of Object.values(panels)) panel.init?.();

// Signing in or out changes what every panel may show.
auth.onChange((user) => {
  for (const panel of Object.values(panels)) panel.reset?.(user);
  show(currentView());
});

$('#signout').addEventListener('click', () => auth.signOut(false));

auth.restore().catch((e) => showError(e, 'Session')).finally(() => {
  show(currentView());
  document.body.dataset.ready = 'true';
});
