// Tools panel: the tools I may use (GET /api/v1/tools follows tools.access and the grants);
// server admins, who hold every bit on tools, grant and revoke `use` of one to a user or team
// (resource type "tool", resource id = the tool's name, role user).
import * as api from './api.js';
import { $, el, guard, notify, onSubmit } from './ui.js';
import { currentUser } from './auth.js';

let tools = [];
let accessFor = null;   // the tool whose grants are open
let loaded = false;

const isServerAdmin = () => (currentUser() || {}).role === 'admin';
const principalText = (g) => `${g.principal_type} ${g.principal_name || g.principal_id}`;
const grantsQuery = (name) => `resource_type=tool&resource_id=${encodeURIComponent(name)}`;

function render() {
  const body = $('#tool-list tbody');
  body.replaceChildren();
  if (!tools.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No tool is open to you.')));
  for (const t of tools) {
    body.append(el('tr', { dataset: { name: t.name } },
      el('th', { scope: 'row' }, t.name),
      el('td', {}, t.plugin || ''),
      el('td', {}, t.description || ''),
      el('td', { class: 'actions' }, isServerAdmin() ? el('button', {
        type: 'button', 'aria-label': `Grants of ${t.name}`,
        onclick: (e) => guard('Tool grants', () => openAccess(t.name), e.currentTarget),
      }, 'Grants') : null)));
  }
}

async function loadGrants() {
  const name = accessFor;
  const grants = await api.get(`/api/v1/shares?${grantsQuery(name)}`);
  if (accessFor !== name) return;
  const body = $('#tool-grants tbody');
  body.replaceChildren();
  if (!grants.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No grants: only what tools.access allows.')));
  for (const g of grants) {
    body.append(el('tr', { dataset: { id: g.id, principalType: g.principal_type, principalName: g.principal_name || '' } },
      el('th', { scope: 'row' }, principalText(g)),
      el('td', {}, (g.permissions || []).join(', ')),
      el('td', {}, g.granted_by_name || g.granted_by || ''),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke ${name} from ${principalText(g)}`,
        onclick: (e) => guard('Revoke tool grant', async () => {
          await api.del(`/api/v1/shares/${encodeURIComponent(g.id)}`);
          notify(`Revoked use of ${name} from ${principalText(g)}.`);
          await loadGrants();
        }, e.currentTarget),
      }, 'Revoke'))));
  }
}

async function openAccess(name) {
  accessFor = name;
  $('#tool-access').hidden = false;
  $('#tool-access').dataset.name = name;
  $('#tool-access-title').textContent = `Who may use ${name}`;
  $('#tool-grants tbody').replaceChildren();
  $('#tool-grant-name').focus();
  await loadGrants();
}

function closeAccess() {
  accessFor = null;
  $('#tool-access').hidden = true;
  $('#tool-grants tbody').replaceChildren();
}

export async function refresh() {
  tools = await api.get('/api/v1/tools');
  loaded = true;
  render();
  if (accessFor) await loadGrants();
  return tools;
}

export function init() {
  $('#tools-refresh').addEventListener('click', (e) => guard('Tools', refresh, e.currentTarget));
  $('#tool-access-close').addEventListener('click', closeAccess);
  onSubmit($('#tool-grant-form'), 'Grant tool', async (form) => {
    const data = new FormData(form);
    const g = await api.post('/api/v1/shares', {
      resource_type: 'tool', resource_id: accessFor, role: 'user',
      principal_type: data.get('principal_type'), principal_name: String(data.get('principal_name')).trim(),
    });
    notify(`${principalText(g)} may now use ${accessFor}.`);
    $('#tool-grant-name').value = '';
    await loadGrants();
  });
}

export function show() {
  if (!loaded) guard('Tools', refresh);
}

export function reset() {
  loaded = false;
  tools = [];
  closeAccess();
  $('#tool-list tbody').replaceChildren();
}
