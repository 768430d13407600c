// Activity panel: what happened to my things, what I did, and what happened to what is shared
// with me (GET /api/v1/activity), newest first, filtered by kind, with "Load more" pages.
import * as api from './api.js';
import { $, el, guard, formatTime } from './ui.js';

let cursor = null;
let loaded = false;

/** The query of the first page: the chosen kind (an action prefix) and a page size. */
function baseQuery() {
  const type = $('#activity-type').value;
  return `limit=50${type ? `&type=${encodeURIComponent(type)}` : ''}`;
}

/** One line of details a person can read; the whole object stays in the tooltip. */
function summary(e, nameOf) {
  const d = e.details || {};
  if (e.action.startsWith('share.')) return `${d.principal_type || ''} ${d.principal_name || ''}: ${(d.permissions || []).join(', ')}`;
  if (e.action.startsWith('team.member')) return `${d.username || ''} (${d.role || ''})`;
  if (e.action.startsWith('workspace.member')) return `${d.member_type || ''} ${d.username || d.team || nameOf(d.member_id) || ''}${d.role ? ` (${d.role})` : ''}`;
  if (Array.isArray(d.changed)) return `changed ${d.changed.join(', ') || 'nothing'}`;
  return '';
}

/**
 * One feed entry as a table row (also used by a workspace's feed, whose `nameOf` turns a
 * member id into the member's name).
 */
export function activityRow(e, nameOf = (id) => id) {
  return el('tr', {},
    el('td', { dataset: { label: 'When' } }, formatTime(e.at)),
    el('td', { dataset: { label: 'Who' } }, e.actor || 'Hub'),
    el('td', { dataset: { label: 'What' } }, e.action),
    el('td', { dataset: { label: 'On' } }, `${e.resource_type} ${e.resource_name || e.resource_id}`),
    el('td', { dataset: { label: 'Owner' } }, e.owner || ''),
    el('td', { dataset: { label: 'Details' }, title: JSON.stringify(e.details) }, summary(e, nameOf)));
}

async function load(more) {
  const query = baseQuery() + (more && cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
  const page = await api.get(`/api/v1/activity?${query}`);
  const body = $('#activity-rows');
  if (!more) body.replaceChildren();
  body.append(...page.items.map((e) => activityRow(e)));
  cursor = page.next_cursor;
  $('#activity-more').hidden = !cursor;
  $('#activity-empty').hidden = body.children.length > 0;
  loaded = true;
}

export function refresh() { return load(false); }

export function init() {
  $('#activity-refresh').addEventListener('click', (e) => guard('Activity', refresh, e.currentTarget));
  $('#activity-type').addEventListener('change', () => guard('Activity', refresh));
  $('#activity-more').addEventListener('click', (e) => guard('Activity', () => load(true), e.currentTarget));
}

export function show() {
  if (!loaded) guard('Activity', refresh);
}

export function reset() {
  loaded = false;
  cursor = null;
  $('#activity-rows').replaceChildren();
  $('#activity-more').hidden = true;
}
