// Teams panel: the teams I belong to with their members and roles; create a team, add a member
// by username with a role, change a member's role, remove a member, leave, rename, delete.
// Team admins (and server admins) manage a team; any member may leave it.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, askFirst, formatTime } from './ui.js';
import { currentUser } from './auth.js';

const MEMBER_ROLES = ['member', 'admin'];
let teams = [];
let loaded = false;

const teamUrl = (id, suffix = '') => `/api/v1/teams/${encodeURIComponent(id)}${suffix}`;
const slug = (text) => String(text).replace(/[^A-Za-z0-9_-]/g, '_');

function me() { return currentUser() || {}; }

/** May the signed-in user manage `team`: a team admin or a server admin. */
function canManage(team) {
  const user = me();
  if (user.role === 'admin') return true;
  const m = team.members.find((x) => x.user_id === user.id);
  return !!m && m.role === 'admin';
}

function roleSelect(id, value) {
  const select = el('select', { id, name: 'role' }, ...MEMBER_ROLES.map((r) => el('option', { value: r }, r)));
  select.value = value;
  return select;
}

function memberRow(team, m, manage) {
  const isMe = m.user_id === me().id;
  const roleId = `team-${slug(team.id)}-role-${slug(m.user_id)}`;
  const actions = el('td', { class: 'actions', role: 'cell' });
  let roleCell;
  if (manage) {
    const select = roleSelect(roleId, m.role);
    roleCell = el('td', { role: 'cell', dataset: { label: 'Role' } },
      el('label', { for: roleId, class: 'sr-only' }, `Role of ${m.username} in ${team.name}`), select);
    actions.append(el('button', {
      type: 'button', 'aria-label': `Change role of ${m.username}`,
      onclick: (e) => guard('Change role', async () => {
        await api.patch(teamUrl(team.id, `/members/${encodeURIComponent(m.user_id)}`), { role: select.value });
        notify(`${m.username} is now ${select.value} of ${team.name}.`);
        await refresh();
      }, e.currentTarget),
    }, 'Change role'));
    if (!isMe) {
      actions.append(el('button', {
        type: 'button', class: 'danger', 'aria-label': `Remove ${m.username} from ${team.name}`,
        onclick: () => askFirst(actions, {
          question: `Remove ${m.username} from ${team.name}?`, yesLabel: 'Yes, remove', context: 'Remove member',
          action: async () => {
            await api.del(teamUrl(team.id, `/members/${encodeURIComponent(m.user_id)}`));
            notify(`Removed ${m.username} from ${team.name}.`);
            await refresh();
          },
        }),
      }, 'Remove'));
    }
  } else {
    roleCell = el('td', { role: 'cell', dataset: { label: 'Role' } }, m.role);
  }
  // Explicit roles keep the table semantics when narrow windows lay the rows out as blocks.
  return el('tr', { role: 'row', dataset: { userId: m.user_id, username: m.username, role: m.role } },
    el('th', { scope: 'row', role: 'rowheader' }, m.username, isMe ? el('span', { class: 'badge' }, 'you') : null),
    roleCell,
    el('td', { role: 'cell', dataset: { label: 'Added' } }, formatTime(m.added_at)),
    actions);
}

function teamCard(team) {
  const manage = canManage(team);
  const titleId = `team-${slug(team.id)}-title`;
  const mine = team.members.find((x) => x.user_id === me().id);
  const card = el('article', { class: 'team', 'aria-labelledby': titleId, dataset: { id: team.id, name: team.name } });
  card.append(el('div', { class: 'card-head' },
    el('h4', { id: titleId }, team.name),
    el('span', { class: 'badge' }, mine ? `my role: ${mine.role}` : 'server admin')));

  card.append(el('div', { class: 'table-wrap' }, el('table', { class: 'team-members stack-table', role: 'table', 'aria-label': `Members of ${team.name}` },
    el('thead', { role: 'rowgroup' }, el('tr', { role: 'row' },
      el('th', { scope: 'col', role: 'columnheader' }, 'Member'), el('th', { scope: 'col', role: 'columnheader' }, 'Role'),
      el('th', { scope: 'col', role: 'columnheader' }, 'Added'),
      el('th', { scope: 'col', role: 'columnheader' }, el('span', { class: 'sr-only' }, 'Actions')))),
    el('tbody', { role: 'rowgroup' }, ...team.members.map((m) => memberRow(team, m, manage))))));

  if (manage) {
    const userId = `team-${slug(team.id)}-add-user`;
    const addRoleId = `team-${slug(team.id)}-add-role`;
    const add = el('form', { class: 'team-add' },
      el('fieldset', {}, el('legend', {}, `Add a member to ${team.name}`),
        el('div', { class: 'grid' },
          el('div', {}, el('label', { for: userId }, 'Username'), el('input', { id: userId, name: 'username', required: true, autocomplete: 'off' })),
          el('div', {}, el('label', { for: addRoleId }, 'Role'), roleSelect(addRoleId, 'member'))),
        el('button', { type: 'submit' }, 'Add member')));
    onSubmit(add, 'Add member', async (form) => {
      const username = form.elements.namedItem('username').value.trim();
      const role = form.elements.namedItem('role').value;
      await api.post(teamUrl(team.id, '/members'), { username, role });
      notify(`Added ${username} to ${team.name} as ${role}.`);
      await refresh();
    });

    const renameId = `team-${slug(team.id)}-rename`;
    const rename = el('form', { class: 'team-rename' },
      el('label', { for: renameId }, `New name for ${team.name}`),
      el('div', { class: 'row' },
        el('input', { id: renameId, name: 'name', required: true, maxlength: '64', value: team.name, autocomplete: 'off' }),
        el('button', { type: 'submit' }, 'Rename')));
    onSubmit(rename, 'Rename team', async (form) => {
      const name = form.elements.namedItem('name').value;
      const saved = await api.patch(teamUrl(team.id), { name });
      notify(`Renamed ${team.name} to ${saved.name}.`);
      await refresh();
    });
    card.append(add, rename);
  }

  const actions = el('div', { class: 'actions team-actions' });
  if (mine) {
    actions.append(el('button', {
      type: 'button', 'aria-label': `Leave ${team.name}`,
      onclick: () => askFirst(actions, {
        question: `Leave ${team.name}? Advisors shared with the team stop being yours to use.`,
        yesLabel: 'Yes, leave', noLabel: 'Stay', context: 'Leave team',
        action: async () => {
          await api.del(teamUrl(team.id, `/members/${encodeURIComponent(mine.user_id)}`));
          notify(`You left ${team.name}.`);
          await refresh();
        },
      }),
    }, 'Leave team'));
  }
  if (manage) {
    actions.append(el('button', {
      type: 'button', class: 'danger', 'aria-label': `Delete ${team.name}`,
      onclick: () => askFirst(actions, {
        question: `Delete ${team.name}? Every grant to the team ends.`, yesLabel: 'Yes, delete', context: 'Delete team',
        action: async () => {
          await api.del(teamUrl(team.id));
          notify(`Deleted team ${team.name}.`);
          await refresh();
        },
      }),
    }, 'Delete team'));
  }
  card.append(actions);
  return card;
}

function render() {
  const list = $('#team-list');
  if (!teams.length) {
    list.replaceChildren(el('p', { class: 'muted' }, 'You are in no team yet.'));
    return;
  }
  // Keep keyboard focus on the same control when a re-render replaces it.
  const focused = document.activeElement && list.contains(document.activeElement)
    ? document.activeElement.getAttribute('aria-label') || document.activeElement.id : null;
  list.replaceChildren(...[...teams].sort((a, b) => a.name.localeCompare(b.name)).map(teamCard));
  if (focused) {
    const again = [...list.querySelectorAll('button, input, select')]
      .find((c) => c.getAttribute('aria-label') === focused || c.id === focused);
    if (again) again.focus();
  }
}

export async function refresh() {
  teams = await api.get('/api/v1/teams');
  loaded = true;
  render();
  return teams;
}

export function init() {
  onSubmit($('#team-form'), 'Create team', async (form) => {
    const name = $('#team-name').value;
    const team = await api.post('/api/v1/teams', { name });
    notify(`Created team ${team.name}; you are its admin.`);
    form.reset();
    await refresh();
  });
  $('#teams-refresh').addEventListener('click', (e) => guard('Teams', refresh, e.currentTarget));
}

export function show() {
  if (!loaded) guard('Teams', refresh);
}

export function reset() {
  loaded = false;
  teams = [];
  $('#team-list').replaceChildren();
}
