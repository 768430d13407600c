// Sharing in the Chat section: the open conversation's grants (to a user, team or workspace,
// as viewer = read or user = read and continue) and snapshot links (made, listed, revoked;
// a new link's address is shown once), and the conversations others shared with me.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, formatTime, isoOf, copyFromInput } from './ui.js';

let current = null;   // the open conversation ({id, owner?, access?})

const chatUrl = (id, suffix = '') => `/api/v1/chat/${encodeURIComponent(id)}${suffix}`;
const principalText = (g) => `${g.principal_type} ${g.principal_name || g.principal_id}`;

/** Mine: Hub adds `owner` and `access` only for a conversation someone shared with me. */
export const isMine = (c) => !!c && !Array.isArray(c.access);
const holds = (c, bit) => isMine(c) || c.access.includes(bit);
const mayShare = (c) => holds(c, 'reshare') || holds(c, 'manage');
const mayListGrants = (c) => holds(c, 'manage');

async function loadGrants() {
  const c = current;
  const body = $('#chat-grants tbody');
  if (!c || !mayListGrants(c)) { body.replaceChildren(); return; }
  const grants = await api.get(`/api/v1/shares?resource_type=conversation&resource_id=${encodeURIComponent(c.id)}`);
  if (current !== c) return;
  body.replaceChildren();
  if (!grants.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'Not shared with anyone.')));
  for (const g of grants) {
    const permissions = (g.permissions || []).join(', ');
    body.append(el('tr', { dataset: { id: g.id, principalType: g.principal_type, principalName: g.principal_name || '', role: g.role || '' } },
      el('th', { scope: 'row' }, principalText(g)),
      el('td', {}, `${g.role || 'custom'} (${permissions})`),
      el('td', {}, g.expires_at ? formatTime(g.expires_at) : 'never'),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke access of ${principalText(g)}`,
        onclick: (e) => guard('Revoke share', async () => {
          await api.del(`/api/v1/shares/${encodeURIComponent(g.id)}`);
          notify(`Revoked the access of ${principalText(g)} to this conversation.`);
          await loadGrants();
        }, e.currentTarget),
      }, 'Revoke'))));
  }
}

async function loadLinks() {
  const c = current;
  const links = await api.get(chatUrl(c.id, '/links'));
  if (current !== c) return;
  const body = $('#chat-links tbody');
  body.replaceChildren();
  if (!links.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'No links.')));
  for (const l of links) {
    body.append(el('tr', { dataset: { id: l.id, active: String(!!l.active), views: String(l.views) } },
      el('td', {}, formatTime(l.created_at)),
      el('td', {}, l.expires_at ? formatTime(l.expires_at) : 'never'),
      el('td', {}, l.max_views ? `${l.views} of ${l.max_views}` : String(l.views)),
      el('td', {}, l.has_password ? 'yes' : 'no'),
      el('td', {}, l.active ? 'active' : 'ended'),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke link of ${formatTime(l.created_at)}`,
        onclick: (e) => guard('Revoke link', async () => {
          await api.del(chatUrl(c.id, `/links/${encodeURIComponent(l.id)}`));
          notify('Link revoked: it opens nothing any more.');
          await loadLinks();
        }, e.currentTarget),
      }, 'Revoke'))));
  }
}

/** Shows the share card for the open conversation `c` (or hides it for null). */
export async function showFor(c) {
  // A link made a moment ago stays on screen while its conversation is open (after a reply).
  if (!c || !current || current.id !== c.id) {
    $('#chat-link-new').hidden = true;
    $('#chat-link-url').value = '';
  }
  current = c;
  $('#chat-grants tbody').replaceChildren();
  $('#chat-links tbody').replaceChildren();
  const share = !!c && mayShare(c);
  $('#chat-share').hidden = !share;
  if (!share) return;
  $('#chat-share').dataset.conversation = c.id;
  $('#chat-grants-block').hidden = !mayListGrants(c);
  await Promise.all([guard('Conversation grants', loadGrants), guard('Conversation links', loadLinks)]);
}

/** The conversations shared with me; `open(id)` opens one in the transcript. */
export async function loadSharedWithMe(open) {
  const grants = await api.get('/api/v1/shares/with-me?resource_type=conversation');
  const list = $('#chat-shared-list');
  list.replaceChildren();
  const mine = grants.filter((g) => g.resource_type === 'conversation');
  if (!mine.length) list.append(el('li', { class: 'muted' }, 'Nothing shared with you.'));
  for (const g of mine) {
    const perms = (g.permissions || []).join(', ');
    list.append(el('li', {}, el('button', {
      type: 'button', class: 'link', dataset: { conversation: g.resource_id, permissions: perms },
      onclick: (e) => guard('Open shared conversation', () => open(g.resource_id), e.currentTarget),
    }, `${g.resource_name || 'Conversation'} · by ${g.owner || '?'} · ${perms}`)));
  }
}

export function init() {
  onSubmit($('#chat-share-form'), 'Share conversation', async (form) => {
    const c = current;
    const data = new FormData(form);
    const body = {
      resource_type: 'conversation', resource_id: c.id, role: data.get('role'),
      principal_type: data.get('principal_type'), principal_name: String(data.get('principal_name')).trim(),
    };
    if (data.get('expires')) body.expires_at = isoOf(data.get('expires'));
    const g = await api.post('/api/v1/shares', body);
    notify(`Shared this conversation with ${principalText(g)} as ${g.role || body.role}.`);
    $('#chat-share-name').value = '';
    $('#chat-share-expires').value = '';
    await loadGrants();
  });
  onSubmit($('#chat-link-form'), 'Create link', async () => {
    const c = current;
    const body = {};
    if ($('#chat-link-expires').value) body.expires_at = isoOf($('#chat-link-expires').value);
    if ($('#chat-link-password').value) body.password = $('#chat-link-password').value;
    if ($('#chat-link-max-views').value) body.max_views = Number($('#chat-link-max-views').value);
    const link = await api.post(chatUrl(c.id, '/links'), body);
    $('#chat-link-password').value = '';
    $('#chat-link-expires').value = '';
    $('#chat-link-max-views').value = '';
    $('#chat-link-url').value = new URL(link.url, location.origin).href;
    $('#chat-link-new').hidden = false;
    notify(`Link made${link.has_password ? ' (with a password)' : ''}: copy it now, it is not shown again.`);
    await loadLinks();
  });
  $('#chat-link-copy').addEventListener('click', (e) => guard('Copy link', () => copyFromInput($('#chat-link-url')), e.currentTarget));
}

export function reset() {
  current = null;
  $('#chat-share').hidden = true;
  $('#chat-shared-list').replaceChildren();
  $('#chat-link-url').value = '';
}
