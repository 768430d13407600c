// Workspaces panel: the workspaces I belong to with my role; create, rename, delete, members
// (users or teams with roles owner/admin/editor/viewer), leave; a workspace's files (upload,
// download, delete), its advisors and conversations (workspace-chat.js) and its activity feed.
// Server admins also see deleted workspaces and recover them. Hub decides what each role may
// do: a refusal is shown like any other error.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, askFirst, formatTime, formatBytes } from './ui.js';
import { currentUser } from './auth.js';
import { activityRow } from './activity.js';
import * as wsChat from './workspace-chat.js';

const ROLES = ['viewer', 'editor', 'admin', 'owner'];
let workspaces = [];
let openId = null;       // the workspace shown in the detail card
let cursor = null;       // next page of its activity
let loaded = false;

const wsUrl = (id, suffix = '') => `/api/v1/workspaces/${encodeURIComponent(id)}${suffix}`;
const fileUrl = (id, path, suffix = '') => wsUrl(id, `/files/${api.encodePath(path)}${suffix}`);
const me = () => currentUser() || {};
const isServerAdmin = () => me().role === 'admin';
const memberName = (m) => (m.member_type === 'team' ? m.team : m.username) || m.member_id;
const opened = () => workspaces.find((w) => w.id === openId) || null;

function roleSelect(id, value, label) {
  const select = el('select', { id, name: 'role', 'aria-label': label }, ...ROLES.map((r) => el('option', { value: r }, r)));
  select.value = value;
  return select;
}

// ---- list ------------------------------------------------------------------------------------

function renderList() {
  const body = $('#workspace-list tbody');
  body.replaceChildren();
  if (!workspaces.length) {
    body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'You are in no workspace yet.')));
  }
  for (const w of [...workspaces].sort((a, b) => a.name.localeCompare(b.name))) {
    body.append(el('tr', { dataset: { id: w.id, name: w.name, role: w.role || '' }, 'aria-current': w.id === openId ? 'true' : null },
      el('th', { scope: 'row' }, w.name),
      el('td', { class: 'workspace-role' }, w.role || (isServerAdmin() ? 'server admin' : '')),
      el('td', {}, String(w.members.length)),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', 'aria-label': `Open ${w.name}`,
        onclick: (e) => guard('Open workspace', () => open(w.id), e.currentTarget),
      }, 'Open'))));
  }
}

export async function refresh() {
  workspaces = await api.get('/api/v1/workspaces');
  loaded = true;
  renderList();
  if (openId && !opened()) closeDetail();
  else if (openId) renderDetail();
  $('#workspace-deleted-card').hidden = !isServerAdmin();
  if (isServerAdmin()) await loadDeleted();
  return workspaces;
}

// ---- one workspace: members ---------------------------------------------------------------

function memberRow(w, m) {
  const name = memberName(m);
  const isMe = m.member_type === 'user' && m.member_id === me().id;
  const roleId = `workspace-member-role-${m.member_id}`;
  const select = roleSelect(roleId, m.role, `Role of ${m.member_type} ${name}`);
  const actions = el('td', { class: 'actions', role: 'cell' },
    el('button', {
      type: 'button', 'aria-label': `Change role of ${name}`,
      onclick: (e) => guard('Change role', async () => {
        await api.patch(wsUrl(w.id, `/members/${encodeURIComponent(m.member_id)}`), { role: select.value });
        notify(`${name} is now ${select.value} of ${w.name}.`);
        await refresh();
      }, e.currentTarget),
    }, 'Change role'));
  if (!isMe) {
    actions.append(el('button', {
      type: 'button', class: 'danger', 'aria-label': `Remove ${name} from ${w.name}`,
      onclick: () => askFirst(actions, {
        question: `Remove ${name} from ${w.name}?`, yesLabel: 'Yes, remove', context: 'Remove member',
        action: async () => {
          await api.del(wsUrl(w.id, `/members/${encodeURIComponent(m.member_id)}`));
          notify(`Removed ${name} from ${w.name}.`);
          await refresh();
        },
      }),
    }, 'Remove'));
  }
  return el('tr', { role: 'row', dataset: { memberId: m.member_id, memberType: m.member_type, memberName: name, role: m.role } },
    el('th', { scope: 'row', role: 'rowheader' }, name, isMe ? el('span', { class: 'badge' }, 'you') : null),
    el('td', { role: 'cell', dataset: { label: 'Kind' } }, m.member_type),
    el('td', { role: 'cell', dataset: { label: 'Role' } }, select),
    el('td', { role: 'cell', dataset: { label: 'Added' } }, formatTime(m.added_at)),
    actions);
}

function renderDetail() {
  const w = opened();
  if (!w) return;
  $('#workspace-detail').hidden = false;
  $('#workspace-detail').dataset.id = w.id;
  $('#workspace-detail').dataset.role = w.role || '';
  $('#workspace-title').textContent = w.name;
  $('#workspace-my-role').textContent = w.role ? `my role: ${w.role}` : 'server admin';
  $('#workspace-rename-name').value = w.name;
  const mine = w.members.find((m) => m.member_type === 'user' && m.member_id === me().id);
  $('#workspace-leave').hidden = !mine;
  $('#workspace-members tbody').replaceChildren(...w.members.map((m) => memberRow(w, m)));
}

async function loadFiles() {
  const w = opened();
  if (!w) return;
  const entries = await api.get(wsUrl(w.id, '/files'));
  if (!opened() || opened().id !== w.id) return;
  const body = $('#workspace-files tbody');
  body.replaceChildren();
  const files = entries.filter((f) => f.type !== 'folder').sort((a, b) => a.name.localeCompare(b.name));
  if (!files.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No files yet.')));
  for (const f of files) {
    const actions = el('td', { class: 'actions' });
    actions.append(
      el('button', {
        type: 'button', 'aria-label': `Download ${f.name}`,
        onclick: (e) => guard('Download', () => api.download(fileUrl(w.id, f.name, '/raw'), f.name.split('/').pop()), e.currentTarget),
      }, 'Download'),
      el('button', {
        type: 'button', class: 'danger', 'aria-label': `Delete ${f.name}`,
        onclick: () => askFirst(actions, {
          question: `Delete ${f.name} from ${w.name}?`, yesLabel: 'Yes, delete', context: 'Delete file',
          action: async () => {
            await api.del(fileUrl(w.id, f.name));
            notify(`Deleted ${f.name}.`);
            await loadFiles();
          },
        }),
      }, 'Delete'));
    body.append(el('tr', { dataset: { path: f.name } },
      el('th', { scope: 'row' }, f.name),
      el('td', {}, formatBytes(f.size)),
      el('td', {}, formatTime(f.updated_at)),
      actions));
  }
}

async function loadActivity(more) {
  const w = opened();
  if (!w) return;
  const query = `limit=20${more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const page = await api.get(wsUrl(w.id, `/activity?${query}`));
  const body = $('#workspace-activity-rows');
  if (!more) body.replaceChildren();
  const names = new Map((opened() || w).members.map((m) => [m.member_id, memberName(m)]));
  body.append(...page.items.map((e) => activityRow(e, (id) => names.get(id) || id)));
  cursor = page.next_cursor;
  $('#workspace-activity-more').hidden = !cursor;
  $('#workspace-activity-empty').hidden = body.children.length > 0;
}

async function open(id) {
  openId = id;
  cursor = null;
  $('#workspace-files tbody').replaceChildren();
  $('#workspace-activity-rows').replaceChildren();
  renderList();
  renderDetail();
  // Each part reports its own failure, so a refused feed does not hide the files.
  await Promise.all([guard('Workspace files', loadFiles), guard('Workspace activity', () => loadActivity(false)),
    guard('Workspace advisors', () => wsChat.open(opened()))]);
  $('#workspace-title').focus();
}

function closeDetail() {
  openId = null;
  cursor = null;
  $('#workspace-detail').hidden = true;
  wsChat.close();
  $('#workspace-members tbody').replaceChildren();
  $('#workspace-files tbody').replaceChildren();
  $('#workspace-activity-rows').replaceChildren();
}

// ---- server admins: deleted workspaces --------------------------------------------------------

async function loadDeleted() {
  const list = await api.get('/api/v1/workspaces?deleted=true');
  const body = $('#workspace-deleted tbody');
  body.replaceChildren();
  const deleted = list.filter((w) => w.deleted_at);
  if (!deleted.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No deleted workspaces.')));
  for (const w of deleted) {
    const ownerId = `workspace-recover-owner-${w.id}`;
    const owner = el('input', { id: ownerId, name: 'owner', autocomplete: 'off', placeholder: 'keep current owners' });
    body.append(el('tr', { dataset: { id: w.id, name: w.name } },
      el('th', { scope: 'row' }, w.name),
      el('td', {}, formatTime(w.deleted_at)),
      el('td', {}, el('label', { for: ownerId, class: 'sr-only' }, `New owner of ${w.name} (optional)`), owner),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', 'aria-label': `Recover ${w.name}`,
        onclick: (e) => guard('Recover workspace', async () => {
          const name = owner.value.trim();
          const back = await api.post(wsUrl(w.id, '/recover'), name ? { owner: name } : {});
          notify(`Recovered workspace ${back.name}${name ? ` with ${name} as an owner` : ''}.`);
          await refresh();
        }, e.currentTarget),
      }, 'Recover'))));
  }
}

// ---- wiring --------------------------------------------------------------------------------

export function init() {
  wsChat.init();
  onSubmit($('#workspace-form'), 'Create workspace', async (form) => {
    const w = await api.post('/api/v1/workspaces', { name: $('#workspace-name').value });
    notify(`Created workspace ${w.name}; you are its owner.`);
    form.reset();
    await refresh();
    await open(w.id);
  });
  $('#workspaces-refresh').addEventListener('click', (e) => guard('Workspaces', async () => {
    await refresh();
    if (openId) await Promise.all([loadFiles(), loadActivity(false), wsChat.open(opened())]);
  }, e.currentTarget));
  $('#workspace-close').addEventListener('click', () => { closeDetail(); renderList(); });
  onSubmit($('#workspace-rename-form'), 'Rename workspace', async () => {
    const w = opened();
    const saved = await api.patch(wsUrl(w.id), { name: $('#workspace-rename-name').value });
    notify(`Renamed ${w.name} to ${saved.name}.`);
    await refresh();
  });
  $('#workspace-delete').addEventListener('click', () => {
    const w = opened();
    askFirst($('#workspace-actions'), {
      question: `Delete ${w.name}? Its members lose it; a server admin can recover it.`, yesLabel: 'Yes, delete', context: 'Delete workspace',
      action: async () => {
        await api.del(wsUrl(w.id));
        notify(`Deleted workspace ${w.name}.`);
        closeDetail();
        await refresh();
      },
    });
  });
  $('#workspace-leave').addEventListener('click', () => {
    const w = opened();
    askFirst($('#workspace-actions'), {
      question: `Leave ${w.name}? Its files stop being yours to see.`, yesLabel: 'Yes, leave', noLabel: 'Stay', context: 'Leave workspace',
      action: async () => {
        await api.del(wsUrl(w.id, `/members/${encodeURIComponent(me().id)}`));
        notify(`You left ${w.name}.`);
        closeDetail();
        await refresh();
      },
    });
  });
  onSubmit($('#workspace-add-form'), 'Add member', async (form) => {
    const w = opened();
    const data = new FormData(form);
    const kind = data.get('member_type');
    const name = String(data.get('name')).trim();
    const role = data.get('role');
    await api.post(wsUrl(w.id, '/members'), kind === 'team' ? { team: name, role } : { username: name, role });
    notify(`Added ${kind} ${name} to ${w.name} as ${role}.`);
    $('#workspace-add-name').value = '';
    await refresh();
  });
  onSubmit($('#workspace-upload-form'), 'Upload to workspace', async (form) => {
    const w = opened();
    const file = $('#workspace-upload-file').files[0];
    if (!file) throw new Error('Choose a file first.');
    const folder = $('#workspace-upload-folder').value.trim().replace(/^\/+|\/+$/g, '');
    const path = folder ? `${folder}/${file.name}` : file.name;
    const state = $('#workspace-upload-state');
    try {
      await api.xhrSend('PUT', fileUrl(w.id, path), file, {
        contentType: file.type || 'application/octet-stream',
        onProgress: (done, total) => { state.textContent = `Uploading ${path}: ${Math.round((100 * done) / total)}%`; },
      });
    } catch (e) {
      state.textContent = `Upload of ${path} failed`;
      throw e;
    }
    state.textContent = `Uploaded ${path}`;
    notify(`Uploaded ${path} to ${w.name}.`);
    form.reset();
    await loadFiles();
  });
  $('#workspace-activity-more').addEventListener('click', (e) => guard('Workspace activity', () => loadActivity(true), e.currentTarget));
}

export function show() {
  if (!loaded) guard('Workspaces', refresh);
}

export function reset() {
  loaded = false;
  workspaces = [];
  closeDetail();
  $('#workspace-list tbody').replaceChildren();
  $('#workspace-deleted tbody').replaceChildren();
  $('#workspace-deleted-card').hidden = true;
}
