// Files panel: tree, uploads with progress (resumable for large files when Hub offers it),
// download, rename/move, delete, public link, share links (a file's download links, a folder's
// upload links), shares by me and with me.
import * as api from './api.js';
import { currentUser } from './auth.js';
import { $, el, guard, notify, onSubmit, formatBytes, formatTime, isoOf, copyFromInput } from './ui.js';

const RESUMABLE_THRESHOLD = 16 * 1024 * 1024;  // larger files go through /api/v1/uploads
let resumableAvailable = null;                 // unknown until first tried
let selected = null;                           // the tree node whose details are shown
let loaded = false;
let newLinkFor = '';                           // the item whose just-made link is on screen
let newLinkId = '';                            // and that link's id

const filesUrl = (path, suffix = '') => `/api/v1/files/${api.encodePath(path)}${suffix}`;
const baseName = (path) => path.split('/').pop();

// ---- tree ---------------------------------------------------------------------------------

function renderNodes(nodes, depth) {
  const list = el('ul', depth === 0 ? { role: 'list', class: 'tree-root' } : { role: 'list' });
  const sorted = [...nodes].sort((a, b) =>
    (a.type === 'folder') !== (b.type === 'folder') ? (a.type === 'folder' ? -1 : 1) : a.name.localeCompare(b.name));
  for (const node of sorted) {
    const isFolder = node.type === 'folder';
    const label = isFolder ? `${node.name}/` : node.name;
    const button = el('button', {
      type: 'button', class: 'tree-item', dataset: { path: node.path, type: node.type },
      'aria-pressed': selected && selected.path === node.path ? 'true' : 'false',
      onclick: () => select(node),
    }, label);
    const extra = [];
    if (!isFolder) extra.push(el('span', { class: 'muted' }, formatBytes(node.size)));
    if (node.is_public) extra.push(el('span', { class: 'badge' }, 'public'));
    if (node.share_count) extra.push(el('span', { class: 'badge' }, `shared ×${node.share_count}`));
    const item = el('li', {}, el('div', { class: 'tree-row' }, button, ...extra));
    if (isFolder && node.children && node.children.length) item.append(renderNodes(node.children, depth + 1));
    list.append(item);
  }
  return list;
}

function findNode(nodes, path) {
  for (const n of nodes) {
    if (n.path === path) return n;
    if (n.children) {
      const found = findNode(n.children, path);
      if (found) return found;
    }
  }
  return null;
}

export async function refresh() {
  const [tree, byMe, withMe] = await Promise.all([
    api.get('/api/v1/files/tree'),
    api.get('/api/v1/files/shares'),
    api.get('/api/v1/files/shared-with-me'),
  ]);
  const nodes = tree.children || [];
  const container = $('#file-tree');
  container.replaceChildren(nodes.length ? renderNodes(nodes, 0) : el('p', { class: 'muted' }, 'No files yet.'));
  if (selected) {
    const again = findNode(nodes, selected.path);
    if (again) showDetails(again); else hideDetails();
  }
  renderSharedByMe(byMe);
  renderSharedWithMe(withMe);
  loaded = true;
}

// ---- details ------------------------------------------------------------------------------

function select(node) {
  showDetails(node);
  for (const b of document.querySelectorAll('#file-tree .tree-item')) {
    b.setAttribute('aria-pressed', b.dataset.path === node.path ? 'true' : 'false');
  }
  if (node.type === 'folder') $('#upload-folder').value = node.path;
}

function showDetails(node) {
  selected = node;
  const isFolder = node.type === 'folder';
  $('#file-details').hidden = false;
  $('#file-details-title').textContent = node.path;
  const info = $('#file-info');
  info.replaceChildren();
  const rows = [['Type', isFolder ? 'folder' : (node.content_type || 'file')]];
  if (!isFolder) rows.push(['Size', formatBytes(node.size)]);
  rows.push(['Updated', formatTime(node.updated_at)], ['Shares', String(node.share_count || 0)]);
  for (const [k, v] of rows) info.append(el('dt', {}, k), el('dd', {}, v));
  $('#file-download').hidden = isFolder;
  $('#file-public').hidden = isFolder;
  $('#share-form').hidden = false;  // a folder's share reaches everything below it
  $('#file-public').textContent = node.is_public ? 'Make private' : 'Make public';
  $('#public-link-row').hidden = !(node.is_public && node.id);
  if (node.is_public) {
    const url = new URL(`/api/v1/files/id/${node.id}/raw`, location.origin).href;
    $('#public-link').href = url;
    $('#public-link').textContent = url;
  }
  $('#rename-name').value = node.name;
  $('#move-path').value = node.path;
  $('#file-delete-confirm').hidden = true;
  showLinksArea(node);
}

function hideDetails() {
  selected = null;
  clearNewLink();
  $('#file-links-table tbody').replaceChildren();
  $('#file-details').hidden = true;
}

// ---- share links -------------------------------------------------------------------------

const linksUrl = (id, suffix = '') => `/api/v1/files/id/${encodeURIComponent(id)}/links${suffix}`;

function clearNewLink() {
  newLinkFor = '';
  newLinkId = '';
  $('#file-link-new').hidden = true;
  $('#file-link-url').value = '';
  $('#file-link-api-url').value = '';
}

/** The Links area for `node`: a download link for a file, an upload-only link for a folder. */
function showLinksArea(node) {
  const isFolder = node.type === 'folder';
  $('#file-links').hidden = !node.id;
  if (!node.id) return;
  $('#file-links-help').textContent = isFolder
    ? 'An upload link lets whoever holds it send files into this folder, signed out; they see nothing of what is in it.'
    : 'A download link lets whoever holds it download this file, signed out.';
  $('#file-link-legend').textContent = isFolder ? 'New upload link' : 'New download link';
  $('#file-link-max-label').textContent = isFolder ? 'Most uploads (optional)' : 'Most downloads (optional)';
  $('#file-links-uses-head').textContent = isFolder ? 'Uploads' : 'Downloads';
  // A link made a moment ago stays on screen while its item stays selected (across refreshes).
  if (newLinkFor !== node.id) clearNewLink();
  guard('Links', () => loadLinks(node));
}

async function loadLinks(node) {
  const links = await api.get(linksUrl(node.id));
  if (!selected || selected.id !== node.id) return;  // another item was selected meanwhile
  const me = currentUser();
  const body = $('#file-links-table tbody');
  body.replaceChildren();
  if (!links.length) body.append(el('tr', {}, el('td', { colspan: '7', class: 'muted' }, 'No links.')));
  for (const l of links) {
    const by = me && l.created_by === me.id ? 'me' : l.created_by;
    body.append(el('tr', { dataset: { id: l.id, active: String(!!l.active), uses: String(l.uses) } },
      el('td', {}, formatTime(l.created_at)),
      el('td', {}, by),
      el('td', {}, l.expires_at ? formatTime(l.expires_at) : 'never'),
      el('td', {}, l.max_uses ? `${l.uses} of ${l.max_uses}` : String(l.uses)),
      el('td', {}, l.has_password ? 'yes' : 'no'),
      el('td', {}, l.active ? 'active' : 'ended'),
      el('td', { class: 'actions' }, el('button', {
        type: 'button', class: 'danger', 'aria-label': `Revoke link of ${formatTime(l.created_at)}`,
        onclick: (e) => guard('Revoke link', async () => {
          await api.del(linksUrl(node.id, `/${encodeURIComponent(l.id)}`));
          if (l.id === newLinkId) clearNewLink();
          notify('Link revoked: it opens nothing any more.');
          await loadLinks(node);
        }, e.currentTarget),
      }, 'Revoke'))));
  }
}

async function createLink() {
  const node = selected;
  const isFolder = node.type === 'folder';
  const body = {};
  if ($('#file-link-expires').value) body.expires_at = isoOf($('#file-link-expires').value);
  if ($('#file-link-password').value) body.password = $('#file-link-password').value;
  if ($('#file-link-max').value) body[isFolder ? 'max_uploads' : 'max_downloads'] = Number($('#file-link-max').value);
  const link = await api.post(linksUrl(node.id), body);
  $('#file-link-form').reset();
  newLinkFor = node.id;
  newLinkId = link.id;
  // The page's view of the link (what a person opens) and the API address (for scripts).
  $('#file-link-url').value = `${location.origin}/#/links/${link.token}`;
  $('#file-link-api-url').value = new URL(link.url, location.origin).href;
  $('#file-link-new').hidden = false;
  notify(`${isFolder ? 'Upload' : 'Download'} link made${link.has_password ? ' (with a password)' : ''}: ` +
    'copy it now, it is not shown again.');
  await loadLinks(node);
}

// ---- uploads ------------------------------------------------------------------------------

function progress(loaded, total, label) {
  const bar = $('#upload-progress');
  bar.hidden = false;
  const pct = total ? Math.round((loaded / total) * 100) : 100;
  bar.value = pct;
  $('#upload-progress-text').textContent = `${label}: ${pct}% (${formatBytes(loaded)} of ${formatBytes(total)})`;
}

/** Large files through Hub's resumable upload API; null when Hub has no such API. */
async function uploadResumable(file, path, label) {
  if (resumableAvailable === false) return null;
  let session;
  try {
    session = await api.post('/api/v1/uploads', { path, size: file.size });
  } catch (e) {
    if (e.status === 404 || e.status === 405) { resumableAvailable = false; return null; }
    throw e;
  }
  resumableAvailable = true;
  const partSize = session.part_size || 8 * 1024 * 1024;
  const parts = Math.max(1, Math.ceil(file.size / partSize));
  try {
    for (let n = 1; n <= parts; n += 1) {
      const start = (n - 1) * partSize;
      const blob = file.slice(start, Math.min(file.size, start + partSize));
      // A part that failed on the way (network, 5xx) is sent again; Hub replaces it.
      for (let attempt = 1; ; attempt += 1) {
        try {
          await api.xhrSend('PUT', `/api/v1/uploads/${encodeURIComponent(session.id)}/parts/${n}`, blob, {
            contentType: 'application/octet-stream',
            onProgress: (loaded) => progress(start + loaded, file.size, label),
          });
          break;
        } catch (e) {
          const retryable = e.status === 0 ? e.code === 'network_error' : e.status >= 500;
          if (!retryable || attempt >= 3) throw e;
          progress(start, file.size, `${label} (part ${n} again, try ${attempt + 1} of 3)`);
        }
      }
    }
    return await api.post(`/api/v1/uploads/${encodeURIComponent(session.id)}/complete`, {});
  } catch (e) {
    // Leave nothing half-done behind; the error that stopped the upload is what counts.
    api.del(`/api/v1/uploads/${encodeURIComponent(session.id)}`).catch(() => {});
    throw e;
  }
}

async function uploadOne(file, folder) {
  const path = folder ? `${folder.replace(/\/+$/, '')}/${file.name}` : file.name;
  const label = `Uploading ${path}`;
  progress(0, file.size, label);
  let entry = null;
  if (file.size > RESUMABLE_THRESHOLD) entry = await uploadResumable(file, path, label);
  if (!entry) {
    entry = await api.xhrSend('PUT', filesUrl(path), file, {
      contentType: file.type || 'application/octet-stream',
      onProgress: (loaded, total) => progress(loaded, total, label),
    });
  }
  progress(file.size, file.size, `Uploaded ${path}`);
  return entry;
}

// ---- share lists --------------------------------------------------------------------------

const permText = (p) => ['read', 'write', 'reshare'].filter((k) => p && p[k]).join(', ') || 'none';

function renderSharedByMe(shares) {
  const body = $('#shared-by-me tbody');
  body.replaceChildren();
  if (!shares.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'Nothing shared yet.')));
  for (const s of shares) {
    // A team's grant names the team's id; it is revoked through the generic shares API.
    const who = s.principal_type === 'team' ? `team ${s.principal_id}` : (s.shared_with || s.shared_with_id);
    body.append(el('tr', { dataset: { path: s.path, with: s.shared_with || '' } },
      el('td', {}, s.path),
      el('td', {}, who),
      el('td', {}, permText(s.permissions)),
      el('td', {}, s.expires_at ? formatTime(s.expires_at) : 'never'),
      el('td', {}, el('button', {
        type: 'button', 'aria-label': `Stop sharing ${s.path} with ${who}`,
        onclick: (e) => guard('Unshare', async () => {
          await api.del(`/api/v1/shares/${encodeURIComponent(s.id)}`);
          notify(`Stopped sharing ${s.path} with ${who}.`);
          await refresh();
        }, e.currentTarget),
      }, 'Unshare'))));
  }
}

function renderSharedWithMe(shares) {
  const body = $('#shared-with-me tbody');
  body.replaceChildren();
  if (!shares.length) body.append(el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'Nothing shared with you.')));
  for (const s of shares) {
    body.append(el('tr', { dataset: { path: s.path, owner: s.owner || '' } },
      el('td', {}, s.path),
      el('td', {}, s.owner || s.owner_id),
      el('td', {}, permText(s.permissions)),
      el('td', {}, formatBytes(s.size)),
      el('td', {}, el('button', {
        type: 'button', 'aria-label': `Download ${s.path} shared by ${s.owner}`,
        onclick: (e) => guard('Download', () => api.download(s.url, s.name || baseName(s.path)), e.currentTarget),
      }, 'Download'))));
  }
}

// ---- wiring -------------------------------------------------------------------------------

export function init() {
  onSubmit($('#upload-form'), 'Upload', async (form) => {
    const input = $('#upload-file');
    const folder = $('#upload-folder').value.trim().replace(/^\/+/, '');
    for (const file of [...input.files]) await uploadOne(file, folder);
    notify(`Uploaded ${input.files.length} file(s).`);
    form.querySelector('#upload-file').value = '';
    await refresh();
  });
  onSubmit($('#folder-form'), 'New folder', async (form) => {
    const path = $('#folder-path').value.trim().replace(/^\/+|\/+$/g, '');
    await api.post(`/api/v1/folders/${api.encodePath(path)}`, {});
    notify(`Folder ${path} is there.`);
    form.reset();
    await refresh();
  });
  $('#files-refresh').addEventListener('click', (e) => guard('Files', refresh, e.currentTarget));
  $('#file-download').addEventListener('click', (e) => guard('Download',
    () => api.download(filesUrl(selected.path, '/raw'), selected.name), e.currentTarget));
  $('#file-public').addEventListener('click', (e) => guard('Public link', async () => {
    const entry = await api.patch(filesUrl(selected.path), { is_public: !selected.is_public });
    notify(entry.is_public ? `${selected.path} is public.` : `${selected.path} is private again.`);
    await refresh();
  }, e.currentTarget));
  $('#file-delete').addEventListener('click', () => {
    $('#file-delete-question').textContent = `Delete ${selected.path}${selected.type === 'folder' ? ' and everything in it' : ''}?`;
    $('#file-delete-confirm').hidden = false;
    $('#file-delete-no').focus();
  });
  $('#file-delete-no').addEventListener('click', () => { $('#file-delete-confirm').hidden = true; });
  $('#file-delete-yes').addEventListener('click', (e) => guard('Delete', async () => {
    const path = selected.path;
    await api.del(filesUrl(path));
    hideDetails();
    notify(`Deleted ${path}.`);
    await refresh();
  }, e.currentTarget));
  onSubmit($('#rename-form'), 'Rename', async () => {
    const entry = await api.patch(filesUrl(selected.path), { new_name: $('#rename-name').value.trim() });
    selected = { ...selected, path: entry.name };
    notify(`Renamed to ${entry.name}.`);
    await refresh();
  });
  onSubmit($('#move-form'), 'Move', async () => {
    const entry = await api.patch(filesUrl(selected.path), { new_path: $('#move-path').value.trim() });
    selected = { ...selected, path: entry.name };
    notify(`Moved to ${entry.name}.`);
    await refresh();
  });
  onSubmit($('#file-link-form'), 'Create link', createLink);
  $('#file-link-copy').addEventListener('click', (e) => guard('Copy link', () => copyFromInput($('#file-link-url')), e.currentTarget));
  onSubmit($('#share-form'), 'Share', async (form) => {
    const data = new FormData(form);
    const body = {
      shared_with: data.get('username').trim(),
      permissions: { read: data.has('read'), write: data.has('write'), reshare: data.has('reshare') },
    };
    const expires = data.get('expires');
    if (expires) body.expires_at = isoOf(expires);
    await api.post(`${filesUrl(selected.path)}/share`, body);
    notify(`Shared ${selected.path} with ${body.shared_with}.`);
    form.reset();
    await refresh();
  });
}

export function show() {
  if (!loaded) guard('Files', refresh);
}

export function reset() {
  loaded = false;
  hideDetails();
  $('#file-tree').replaceChildren();
  $('#shared-by-me tbody').replaceChildren();
  $('#shared-with-me tbody').replaceChildren();
  $('#upload-progress').hidden = true;
  $('#upload-progress-text').textContent = '';
}

