// The signed-out view of a file's or folder's share link (#/links/TOKEN; Hub sends a browser
// that opens /api/v1/links/TOKEN here). Asks what the link offers, asks for the password when
// it has one (kept in memory, sent only in the X-Share-Password header, never in a URL), then
// offers the file's download or, for a folder's upload link, a form that sends files into it.
import * as api from './api.js';
import { $, el, formatBytes, formatTime, guard, notify, onSubmit, showError } from './ui.js';

const PATTERN = /^#\/links\/([A-Za-z0-9_-]{1,128})$/;

/** The token the page address names, or ''. */
export function tokenFromHash() {
  const m = location.hash.match(PATTERN);
  return m ? m[1] : '';
}

let password = '';  // for this view only; never stored
let info = null;    // what the link offers, as Hub last said

const linkUrl = (suffix = '') => `/api/v1/links/${tokenFromHash()}${suffix}`;

function headers(extra = {}) {
  return password ? { ...extra, 'X-Share-Password': password } : extra;
}

function hideAll() {
  for (const id of ['#link-password-form', '#link-gone', '#link-file', '#link-upload-form']) $(id).hidden = true;
}

function setPasswordForm(message) {
  hideAll();
  $('#link-password-form').hidden = false;
  $('#link-password-message').textContent = message;
  $('#link-password').focus();
}

/** The link opens nothing (any more): revoked, expired, used up, never there. */
function showGone(err) {
  hideAll();
  info = null;
  $('#link-title').textContent = 'Shared link';
  $('#link-gone').textContent = 'This link opens nothing any more: it was revoked, has expired or was used up, ' +
    `or it never existed.${err && err.message ? ` Hub said: ${err.message}` : ''}`;
  $('#link-gone').hidden = false;
}

/** Reports a failed call: a gone link or a password problem changes the view, the rest is listed. */
function handle(err, context) {
  if (err.code === 'share_link_not_found') showGone(err);
  else if (err.code === 'share_password_required') setPasswordForm(`This link is protected by a password. ${err.message}`);
  else if (err.code === 'share_password_invalid') { password = ''; setPasswordForm(`That password is not right: ${err.message}`); }
  else showError(err, context);
}

function rows(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function render(data) {
  info = data;
  hideAll();
  const expires = data.expires_at ? formatTime(data.expires_at) : 'never';
  if (data.type === 'folder') {
    $('#link-title').textContent = `Send files to ${data.name}`;
    rows($('#link-folder-info'), [
      ['Folder', data.name],
      ['Largest file', data.max_upload_bytes ? formatBytes(data.max_upload_bytes) : 'no limit'],
      ['Expires', expires],
      ['Uploads left', data.uses_left === null || data.uses_left === undefined ? 'no limit' : String(data.uses_left)],
    ]);
    $('#link-upload-form').hidden = false;
  } else {
    $('#link-title').textContent = data.name;
    rows($('#link-file-info'), [
      ['File', data.name],
      ['Size', formatBytes(data.size)],
      ['Type', data.content_type || 'unknown'],
      ['Expires', expires],
      ['Downloads left', data.uses_left === null || data.uses_left === undefined ? 'no limit' : String(data.uses_left)],
    ]);
    $('#link-file').hidden = false;
  }
}

async function load() {
  if (!tokenFromHash()) {
    showGone(null);
    return;
  }
  try {
    render(await api.get(linkUrl(), { headers: headers({ Accept: 'application/json' }), anonymous: true }));
  } catch (e) {
    handle(e, 'Shared link');
  }
}

async function download() {
  const name = info.name;
  let res;
  try {
    res = await api.request('GET', linkUrl('/raw'), { headers: headers(), raw: true, anonymous: true });
  } catch (e) {
    handle(e, 'Download');
    return;
  }
  api.saveBlob(await res.blob(), name);
  notify(`Downloaded ${name}.`);
  await load();  // one download was counted: show what is left (or that the link is used up)
}

function progress(loaded, total, label) {
  const bar = $('#link-upload-progress');
  bar.hidden = false;
  const pct = total ? Math.round((loaded / total) * 100) : 100;
  bar.value = pct;
  $('#link-upload-progress-text').textContent = `${label}: ${pct}% (${formatBytes(loaded)} of ${formatBytes(total)})`;
}

async function upload() {
  const files = [...$('#link-upload-files').files];
  const list = $('#link-uploaded');
  let sent = 0;
  for (const file of files) {
    const label = `Sending ${file.name}`;
    progress(0, file.size, label);
    try {
      const got = await api.xhrSend('PUT', linkUrl(`/files/${encodeURIComponent(file.name)}`), file, {
        contentType: file.type || 'application/octet-stream',
        headers: headers(),
        anonymous: true,
        onProgress: (loaded, total) => progress(loaded, total, label),
      });
      sent += 1;
      progress(file.size, file.size, `Sent ${file.name}`);
      // Hub renames on a clash (x.txt → x (1).txt): say which name the file got.
      $('#link-sent').hidden = false;
      list.append(el('li', { dataset: { sent: file.name, name: got.name } },
        got.name === file.name ? `${got.name} (${formatBytes(got.size)})`
          : `${file.name} was saved as ${got.name} (${formatBytes(got.size)})`));
    } catch (e) {
      $('#link-sent').hidden = false;
      list.append(el('li', { class: 'error', dataset: { sent: file.name, failed: e.code || 'error' } },
        `${file.name} was not sent: ${e.message}`));
      if (['share_link_not_found', 'share_password_required', 'share_password_invalid'].includes(e.code)) {
        handle(e, 'Upload');  // the list of what got through stays on screen
        return;
      }
      showError(e, `Upload of ${file.name}`);
    }
  }
  notify(`Sent ${sent} of ${files.length} file(s).`);
  $('#link-upload-files').value = '';
  await load();
}

export function init() {
  onSubmit($('#link-password-form'), 'Shared link', async () => {
    password = $('#link-password').value;
    $('#link-password').value = '';
    await load();
  });
  $('#link-download').addEventListener('click', (ev) => guard('Download', download, ev.currentTarget));
  onSubmit($('#link-upload-form'), 'Upload', upload);
}

export function show() {
  password = '';
  info = null;
  hideAll();
  $('#link-uploaded').replaceChildren();
  $('#link-sent').hidden = true;
  $('#link-upload-progress').hidden = true;
  $('#link-upload-progress-text').textContent = '';
  $('#link-title').textContent = 'Shared link';
  load();
}
