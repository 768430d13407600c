// Advisors panel: list, create, edit (full replace), delete; a form for HubGPT's advisor
// fields with an editor for the prompt messages.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit } from './ui.js';

let editing = null;      // id of the advisor in the form, null for a new one
let advisors = [];
let loaded = false;
const changeListeners = [];

export function onAdvisorsChanged(fn) { changeListeners.push(fn); }
export function list() { return advisors; }

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
  $('#advisor-form-title').textContent = a ? `Edit ${a.name}` : 'New advisor';
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
}

function renderList() {
  const body = $('#advisor-list tbody');
  body.replaceChildren();
  if (!advisors.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No advisors yet.')));
  for (const a of advisors) {
    body.append(el('tr', { dataset: { id: a.id, name: a.name } },
      el('td', {}, a.name),
      el('td', {}, a.model),
      el('td', {}, a.gateway || ''),
      el('td', { class: 'actions' },
        el('button', { type: 'button', 'aria-label': `Edit ${a.name}`, onclick: () => { fillForm(a); $('#advisor-name').focus(); } }, 'Edit'),
        el('button', { type: 'button', 'aria-label': `Chat with ${a.name}`, onclick: () => { location.hash = `#chat`; sessionStorage.setItem('hub.chatAdvisor', a.id); } }, 'Chat'),
        el('button', {
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
        }, 'Delete'))));
  }
}

export async function refresh() {
  advisors = await api.get('/api/v1/advisors');
  loaded = true;
  renderList();
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
  $('#advisor-list tbody').replaceChildren();
}
