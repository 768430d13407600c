// The signed-out view of a chat snapshot link (#/shared/chats/TOKEN; Hub sends a browser that
// opens /api/v1/shared/chats/TOKEN here). Fetches the snapshot, asks for the password when
// the link has one (sent only in the X-Share-Password header, never in a URL), and shows the
// messages as text. Signed in, the reader may continue the snapshot as their own conversation.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, showError } from './ui.js';

const PATTERN = /^#\/shared\/chats\/([A-Za-z0-9_-]{1,128})$/;

/** The token the page address names, or ''. */
export function tokenFromHash() {
  const m = location.hash.match(PATTERN);
  return m ? m[1] : '';
}

let password = '';  // kept for "continue" while the view is open; never stored

function setPasswordForm(visible, message = '') {
  $('#shared-password-form').hidden = !visible;
  $('#shared-password-message').textContent = message;
  if (visible) $('#shared-password').focus();
}

function render(snapshot) {
  $('#shared-title').textContent = snapshot.title || `Conversation with ${snapshot.advisor_name || 'an advisor'}`;
  $('#shared-meta').textContent = `Shared ${new Date(snapshot.created_at).toLocaleString()}` +
    (snapshot.advisor_name ? ` · advisor ${snapshot.advisor_name}` : '');
  const list = $('#shared-messages');
  list.replaceChildren(...snapshot.messages.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) =>
    // el() adds text nodes only: message text is never parsed as HTML.
    el('li', { class: `msg ${m.role}` }, el('span', { class: 'msg-role' }, m.role === 'user' ? 'User' : 'Assistant'),
      el('p', { class: 'content' }, m.content || ''))));
  $('#shared-snapshot').hidden = false;
  $('#shared-continue').hidden = !api.hasCredentials();
}

async function load() {
  const token = tokenFromHash();
  $('#shared-snapshot').hidden = true;
  if (!token) {
    notify('This address names no shared conversation.');
    return;
  }
  const headers = { Accept: 'application/json' };
  if (password) headers['X-Share-Password'] = password;
  try {
    render(await api.get(`/api/v1/shared/chats/${token}`, { headers, anonymous: true }));
    setPasswordForm(false);
  } catch (e) {
    if (e.code === 'share_password_required') setPasswordForm(true, 'This conversation is protected by a password.');
    else if (e.code === 'share_password_invalid') setPasswordForm(true, 'That password is not right. Try again.');
    else showError(e, 'Shared conversation');
  }
}

export function init() {
  onSubmit($('#shared-password-form'), 'Shared conversation', async () => {
    password = $('#shared-password').value;
    $('#shared-password').value = '';
    await load();
  });
  $('#shared-continue').addEventListener('click', (ev) => guard('Continue', async () => {
    const headers = password ? { 'X-Share-Password': password } : {};
    const copy = await api.post(`/api/v1/shared/chats/${tokenFromHash()}/continue`, {}, { headers });
    notify('The conversation is now yours: it is in the Chat section.');
    sessionStorage.setItem('hub.chatAdvisor', copy.advisor_id);
    location.hash = '#chat';
  }, ev.currentTarget));
}

export function show() {
  password = '';
  setPasswordForm(false);
  load();
}
