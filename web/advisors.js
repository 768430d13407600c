// Advisors panel: list (mine and those shared with me, with owner and my access), create,
// edit (full replace), delete; a form for HubGPT's advisor fields with an editor for the prompt
// messages; sharing through the access model (grants to users and teams, revoke, explain).
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, formatTime, isoOf } from './ui.js';
import { currentUser } from './auth.js';

let editing = null;      // id of the advisor in the form, null for a new one
let accessFor = null;    // the advisor whose access card is open
let advisors = [];
let loaded = false;
const changeListeners = [];

export function onAdvisorsChanged(fn) { changeListeners.push(fn); }
export function list() { return advisors; }

/** Mine: Hub adds `owner` and `access` only to advisors others shared with me. */
export function isMine(a) { return !a.owner && !Array.isArray(a.access); }
export function allows(a, permission) { return isMine(a) || (Array.isArray(a.access) && a.access.includes(permission)); }
/** Advisors I may chat with: mine and shared ones with `use`. */
export function usable(list = advisors) { return list.filter((a) => allows(a, 'use')); }
const canShare = (a) => isMine(a) || allows(a, 'manage');
const accessText = (a) => (isMine(a) ? 'owner' : (a.access || []).join(', ') || 'none');

const ROLES = ['system', 'user', 'assistant'];
let rowCounter = 0;  // unique ids for the editor's labels

function messageRow(message = { role: 'system', content: '' }) {
  rowCounter += 1;
  const roleId = `advisor-msg-role-${rowCounter}`;
  const contentId = `${roleId}-content`;
  const role = el('select', { id: roleId, class: 'advisor-role' },
    ...[...new Set([...ROLES, message.role])].map((r) => el('option', { value: r }, r)));
  role.value = message.role;
  const content = el('textarea', { id: contentId, class: 'advisor-content', rows: '3' });
  content.value = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  const row = el('li', { class: 'msg-row' },
    el('label', { for: roleId }, 'Role'), role,
    el('label', { for: contentId }, 'Content'), content,
    el('button', { type: 'button', class: 'danger', onclick: () => row.remove() }, 'Remove message'));
  // Keys other than role/content come back as they were sent.
  row.extra = Object.fromEntries(Object.entries(message).filter(([k]) => k !== 'role' && k !== 'content'));
  return row;
}

/** A control of the advisor form by name (form.name is the form's own name attribute). */
const F = (name) => $('#advisor-form').elements.namedItem(name);

function numberOrNull(value) {
  if (value === '' || value === null) return null;
  return Number(value);
}

function formBody() {
  const tools = F('tools').value.split(',').map((t) => t.trim()).filter(Boolean);
  const body = {
    name: F('name').value.trim(),
    description: F('description').value.trim() || null,
    model: F('model').value.trim(),
    stream: F('stream').checked,
    messages: [...document.querySelectorAll('#advisor-messages > li')].map((row) => ({
      ...row.extra, role: row.querySelector('.advisor-role').value, content: row.querySelector('.advisor-content').value,
    })),
    gateway: F('gateway').value.trim() || null,
    tools: tools.length ? tools : null,
    top_p: numberOrNull(F('top_p').value),
    frequency_penalty: numberOrNull(F('frequency_penalty').value),
    presence_penalty: numberOrNull(F('presence_penalty').value),
  };
  // Empty means "the default", which the server fills in.
  if (F('temperature').value !== '') body.temperature = Number(F('temperature').value);
  if (F('max_tokens').value !== '') body.max_tokens = Number(F('max_tokens').value);
  if (body.gateway === null) delete body.gateway;
  return body;
}

function fillForm(a) {
  editing = a ? a.id : null;
  const readOnly = !!a && !allows(a, 'edit');
  $('#advisor-form-title').textContent = !a ? 'New advisor' : `${readOnly ? 'View' : 'Edit'} ${a.name}`;
  const note = $('#advisor-form-note');
  note.hidden = !a || isMine(a);
  note.textContent = a && !isMine(a)
    ? `Shared with you by ${a.owner || 'someone'}; your access: ${accessText(a)}${readOnly ? ' (read-only)' : ''}.`
    : '';
  $('#advisor-form').dataset.readonly = readOnly ? 'true' : 'false';
  F('name').value = a ? a.name : '';
  F('description').value = a && a.description ? a.description : '';
  F('model').value = a ? a.model : 'echo-1';
  F('gateway').value = a ? (a.gateway || '') : 'echo';
  F('temperature').value = a ? a.temperature : '1.0';
  F('max_tokens').value = a ? a.max_tokens : '1000';
  F('top_p').value = a && a.top_p !== null && a.top_p !== undefined ? a.top_p : '';
  F('frequency_penalty').value = a && a.frequency_penalty !== null && a.frequency_penalty !== undefined ? a.frequency_penalty : '';
  F('presence_penalty').value = a && a.presence_penalty !== null && a.presence_penalty !== undefined ? a.presence_penalty : '';
  F('stream').checked = a ? !!a.stream : true;
  F('tools').value = a && a.tools ? a.tools.join(', ') : '';
  const msgs = $('#advisor-messages');
  msgs.replaceChildren();
  const initial = a ? a.messages : [{ role: 'system', content: 'You are a helpful advisor.' }];
  for (const m of initial) msgs.append(messageRow(m));
  // Without `edit` the form only shows the advisor: every control but "Clear form" is off.
  for (const control of $('#advisor-form').elements) {
    if (control.id !== 'advisor-cancel') control.disabled = readOnly;
  }
  $('#advisor-form button[type=submit]').hidden = readOnly;
}

function deleteButton(a) {
  return el('button', {
    type: 'button', class: 'danger', 'aria-label': `Delete ${a.name}`,
    onclick: (e) => {
      const cell = e.currentTarget.parentElement;
      if (cell.querySelector('.confirm')) return;
      const box = el('span', { class: 'confirm' }, `Delete ${a.name} and its conversations? `,
        el('button', { type: 'button', class: 'danger', onclick: (ev) => guard('Delete advisor', async () => {
          await api.del(`/api/v1/advisors/${encodeURIComponent(a.id)}`);
          notify(`Deleted advisor ${a.name}.`);
          if (editing === a.id) fillForm(null);
          await refresh();
        }, ev.currentTarget) }, 'Yes, delete'),
        el('button', { type: 'button', onclick: () => box.remove() }, 'Keep'));
      cell.append(box);
      box.querySelector('button').focus();
    },
  }, 'Delete');
}

function renderList() {
  const body = $('#advisor-list tbody');
  body.replaceChildren();
  if (!advisors.length) body.append(el('tr', {}, el('td', { colspan: '6', class: 'muted' }, 'No advisors yet.')));
  for (const a of advisors) {
    const mine = isMine(a);
    const edit = allows(a, 'edit');
    body.append(el('tr', { dataset: { id: a.id, name: a.name, owner: mine ? '' : (a.owner || ''), access: accessText(a) } },
      el('td', {}, a.name),
      el('td', { class: 'advisor-owner' }, mine ? 'you' : (a.owner || '?')),
      el('td', { class: 'advisor-access' }, mine ? 'owner' : (a.access || []).map((p) => el('span', { class: 'badge' }, p))),
      el('td', {}, a.model),
      el('td', {}, a.gateway || ''),
      el('td', { class: 'actions' },
        el('button', {
          type: 'button', 'aria-label': `${edit ? 'Edit' : 'View'} ${a.name}`,
          onclick: () => { fillForm(a); (edit ? $('#advisor-name') : $('#advisor-cancel')).focus(); },
        }, edit ? 'Edit' : 'View'),
        allows(a, 'use') ? el('button', { type: 'button', 'aria-label': `Chat with ${a.name}`, onclick: () => { location.hash = `#chat`; sessionStorage.setItem('hub.chatAdvisor', a.id); } }, 'Chat') : null,
        el('button', {
          type: 'button', 'aria-label': `${canShare(a) ? 'Share' : 'Access to'} ${a.name}`,
          onclick: (e) => guard('Advisor access', () => openAccess(a), e.currentTarget),
        }, canShare(a) ? 'Share' : 'Access'),
        mine ? deleteButton(a) : null)));
  }
}

// ---- access: grants, share form, explain ----------------------------------------------------

const accessQuery = (a) => `resource_type=advisor&resource_id=${encodeURIComponent(a.id)}`;
const principalText = (g) => `${g.principal_type} ${g.principal_name || g.principal_id}`;

async function loadGrants() {
  const a = accessFor;
  const body = $('#advisor-grants tbody');
  if (!a || !canShare(a)) { body.replaceChildren(); return; }
  const grants = await api.get(`/api/v1/shares?${accessQuery(a)}`);
  if (accessFor !== a) return;  // another advisor was opened meanwhile
  body.replaceChildren();
  if (!grants.length) body.append(el('tr', { role: 'row' }, el('td', { role: 'cell', colspan: '5', class: 'muted' }, 'Not shared with anyone.')));
  // Explicit roles keep the table semantics when narrow windows lay the rows out as blocks.
  for (const g of grants) {
    const permissions = (g.permissions || []).join(', ');
    body.append(el('tr', { role: 'row', dataset: { id: g.id, principalType: g.principal_type, principalName: g.principal_name || '', role: g.role || '', permissions } },
      el('th', { scope: 'row', role: 'rowheader' }, principalText(g)),
      el('td', { role: 'cell', dataset: { label: 'Access' } }, `${g.role || 'custom'} (${permissions})`),
      el('td', { role: 'cell', dataset: { label: 'Expires' } }, g.expires_at ? formatTime(g.expires_at) : 'never'),
      el('td', { role: 'cell', dataset: { label: 'Granted by' } }, g.granted_by_name || g.granted_by || ''),
      el('td', { role: 'cell', class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke access of ${principalText(g)}`,
        onclick: (e) => guard('Revoke share', async () => {
          await api.del(`/api/v1/shares/${encodeURIComponent(g.id)}`);
          notify(`Revoked the access of ${principalText(g)} to ${a.name}.`);
          await loadGrants();
        }, e.currentTarget),
      }, 'Revoke'))));
  }
}

async function openAccess(a) {
  accessFor = a;
  const share = canShare(a);
  $('#advisor-access').hidden = false;
  $('#advisor-access').dataset.id = a.id;
  $('#advisor-access-title').textContent = share ? `Share ${a.name}` : `Access to ${a.name}`;
  $('#advisor-share-form').hidden = !share;
  $('#advisor-grants-block').hidden = !share;
  $('#advisor-explain').replaceChildren();
  // Only the owner asks about anyone; a sharee may ask about themself.
  $('#advisor-explain-user').value = share ? '' : (currentUser() || {}).username || '';
  $('#advisor-grants tbody').replaceChildren();
  (share ? $('#advisor-share-name') : $('#advisor-explain-user')).focus();
  await loadGrants();
}

function closeAccess() {
  accessFor = null;
  $('#advisor-access').hidden = true;
  $('#advisor-grants tbody').replaceChildren();
  $('#advisor-explain').replaceChildren();
}

function renderExplain(x) {
  const out = $('#advisor-explain');
  const perms = x.permissions && x.permissions.length ? x.permissions.join(', ') : 'none';
  const facts = el('dl', {});
  for (const [k, v, field] of [['User', x.username, 'username'], ['Advisor', `${x.resource_name} (owner ${x.owner || '?'})`, 'resource'],
    ['Visible', x.visible ? 'yes' : 'no', 'visible'], ['Why', x.reason, 'reason'], ['Permissions', perms, 'permissions']]) {
    facts.append(el('dt', {}, k), el('dd', { dataset: { field } }, v));
  }
  const grants = el('ul', { class: 'plain-list explain-grants', 'aria-label': 'Grants giving access' });
  for (const g of x.grants || []) {
    grants.append(el('li', { dataset: { principalType: g.principal_type, principalName: g.principal_name || '' } },
      `${g.reason}: ${g.role || 'custom'} (${(g.permissions || []).join(', ')})`,
      g.granted_by_name ? `, granted by ${g.granted_by_name}` : '',
      g.expires_at ? `, expires ${formatTime(g.expires_at)}` : ''));
  }
  if (!(x.grants || []).length) grants.append(el('li', { class: 'muted' }, x.is_owner ? 'Owner: no grant needed.' : 'No grant gives access.'));
  out.replaceChildren(el('h4', {}, `Access of ${x.username}`), facts, grants);
}

export async function refresh() {
  advisors = await api.get('/api/v1/advisors');
  loaded = true;
  renderList();
  // An advisor no longer shared with me leaves the form and the access card.
  const byId = new Map(advisors.map((a) => [a.id, a]));
  if (editing && !byId.has(editing)) fillForm(null);
  if (accessFor) {
    if (byId.has(accessFor.id)) accessFor = byId.get(accessFor.id); else closeAccess();
  }
  for (const fn of changeListeners) fn(advisors);
  return advisors;
}

async function loadToolNames() {
  try {
    const tools = await api.get('/api/v1/tools');
    $('#tool-names').replaceChildren(...tools.map((t) => el('option', { value: t.name }, t.description || t.name)));
  } catch { /* the chat plugin may be off: the datalist just stays empty */ }
}

export function init() {
  fillForm(null);
  $('#advisor-add-message').addEventListener('click', () => {
    const row = messageRow({ role: 'user', content: '' });
    $('#advisor-messages').append(row);
    row.querySelector('select').focus();
  });
  $('#advisor-new').addEventListener('click', () => { fillForm(null); $('#advisor-name').focus(); });
  $('#advisor-cancel').addEventListener('click', () => fillForm(null));
  $('#advisors-refresh').addEventListener('click', (e) => guard('Advisors', refresh, e.currentTarget));
  $('#advisor-access-close').addEventListener('click', closeAccess);
  onSubmit($('#advisor-share-form'), 'Share advisor', async (form) => {
    const a = accessFor;
    const data = new FormData(form);
    const body = {
      resource_type: 'advisor',
      resource_id: a.id,
      principal_type: data.get('principal_type'),
      principal_name: String(data.get('principal_name')).trim(),
      role: data.get('role'),
    };
    const expires = data.get('expires');
    if (expires) body.expires_at = isoOf(expires);
    const g = await api.post('/api/v1/shares', body);
    notify(`Shared ${a.name} with ${principalText(g)} as ${g.role || body.role}.`);
    $('#advisor-share-name').value = '';
    $('#advisor-share-expires').value = '';
    await loadGrants();
  });
  onSubmit($('#advisor-explain-form'), 'Explain access', async () => {
    const a = accessFor;
    const user = $('#advisor-explain-user').value.trim();
    const x = await api.get(`/api/v1/access/explain?${accessQuery(a)}&user=${encodeURIComponent(user)}`);
    renderExplain(x);
  });
  onSubmit($('#advisor-form'), 'Save advisor', async () => {
    const body = formBody();
    const saved = editing
      ? await api.put(`/api/v1/advisors/${encodeURIComponent(editing)}`, body)
      : await api.post('/api/v1/advisors', body);
    notify(`Saved advisor ${saved.name}.`);
    fillForm(saved);
    await refresh();
  });
}

export function show() {
  if (!loaded) guard('Advisors', refresh);
  loadToolNames();
}

export function reset() {
  loaded = false;
  advisors = [];
  fillForm(null);
  closeAccess();
  $('#advisor-list tbody').replaceChildren();
}
