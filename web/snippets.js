// Snippets panel: list (with search), create, view rendered, delete, export as Markdown or HTML.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, formatTime } from './ui.js';

let loaded = false;
let viewing = null;

function titleOf(s) { return s.title || `${s.source_type}: ${s.source_name}`; }

async function view(id) {
  const s = await api.get(`/api/v1/snippets/${encodeURIComponent(id)}?format=html`);
  viewing = s;
  $('#snippet-view').hidden = false;
  $('#snippet-view-title').textContent = titleOf(s);
  $('#snippet-view-meta').textContent =
    `${s.source_type} · ${s.source_name} · ${formatTime(s.created_at)}${s.tags.length ? ` · tags: ${s.tags.join(', ')}` : ''}`;
  // content_html is rendered by Hub with cmark-gfm in safe mode (raw HTML escaped, unsafe
  // links dropped); the page's CSP blocks any script in it regardless.
  const doc = new DOMParser().parseFromString(`<body>${s.content_html || ''}</body>`, 'text/html');
  $('#snippet-view-body').replaceChildren(...doc.body.childNodes);
  $('#snippet-view').scrollIntoView({ block: 'nearest' });
}

export async function refresh() {
  const q = $('#snippet-q').value.trim();
  const list = await api.get(`/api/v1/snippets${q ? `?q=${encodeURIComponent(q)}` : ''}`);
  const ul = $('#snippet-list');
  ul.replaceChildren();
  if (!list.length) ul.append(el('li', { class: 'muted' }, q ? 'No snippet matches.' : 'No snippets yet.'));
  for (const s of list) {
    ul.append(el('li', { dataset: { id: s.id } },
      el('button', { type: 'button', class: 'link', onclick: (e) => guard('Snippet', () => view(s.id), e.currentTarget) }, titleOf(s)),
      ' ', el('span', { class: 'muted' }, `${formatTime(s.created_at)}${s.tags.length ? ` · #${s.tags.join(' #')}` : ''}`)));
  }
  loaded = true;
}

function exporter(format) {
  return (e) => guard('Export', async () => {
    const q = $('#snippet-q').value.trim();
    await api.download(`/api/v1/snippets/export?format=${format}${q ? `&q=${encodeURIComponent(q)}` : ''}`, `snippets.${format}`);
    notify(`Exported snippets as ${format === 'md' ? 'Markdown' : 'HTML'}.`);
  }, e.currentTarget);
}

export function init() {
  onSubmit($('#snippet-form'), 'Save snippet', async (form) => {
    const data = new FormData(form);
    const tags = String(data.get('tags') || '').split(',').map((t) => t.trim()).filter(Boolean);
    const s = await api.post('/api/v1/snippets', {
      source_type: data.get('source_type'), source_name: data.get('source_name'),
      content: data.get('content'), tags,
    });
    notify(`Saved snippet ${titleOf(s)}.`);
    $('#snippet-content').value = '';
    $('#snippet-tags').value = '';
    await refresh();
    await view(s.id);
  });
  onSubmit($('#snippet-filter'), 'Search snippets', refresh);
  $('#snippets-refresh').addEventListener('click', (e) => guard('Snippets', refresh, e.currentTarget));
  $('#snippets-export-md').addEventListener('click', exporter('md'));
  $('#snippets-export-html').addEventListener('click', exporter('html'));
  $('#snippet-delete').addEventListener('click', (e) => guard('Delete snippet', async () => {
    await api.del(`/api/v1/snippets/${encodeURIComponent(viewing.id)}`);
    notify(`Deleted snippet ${titleOf(viewing)}.`);
    viewing = null;
    $('#snippet-view').hidden = true;
    await refresh();
  }, e.currentTarget));
}

export function show() {
  if (!loaded) guard('Snippets', refresh);
}

export function reset() {
  loaded = false;
  viewing = null;
  $('#snippet-list').replaceChildren();
  $('#snippet-view').hidden = true;
}
