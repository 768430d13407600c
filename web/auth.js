// Account panel: sign in with a JWT or HTTP Basic, register, who am I, sign out.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, formatTime, clearErrors } from './ui.js';

let user = null;
const listeners = [];

export function currentUser() { return user; }
export function onChange(fn) { listeners.push(fn); }

function setUser(u) {
  user = u;
  $('#whoami').textContent = u ? `Signed in as ${u.username} (${api.authMode() === 'basic' ? 'Basic' : 'JWT'})` : 'Signed out';
  $('#signout').hidden = !u;
  $('#me-card').hidden = !u;
  const me = $('#me');
  me.replaceChildren();
  if (u) {
    for (const [k, v] of [['Username', u.username], ['Email', u.email || '—'], ['Role', u.role || 'user'],
      ['Id', u.id], ['Created', formatTime(u.created_at)]]) {
      me.append(el('dt', {}, k), el('dd', { dataset: { field: k.toLowerCase() } }, v));
    }
  }
  for (const fn of listeners) fn(u);
}

/** Reads who the current credentials belong to; null (and credentials dropped) when none. */
async function loadMe() {
  const u = await api.get('/api/v1/auth/users/me');
  setUser(u);
  return u;
}

export async function restore() {
  if (!api.hasCredentials()) { setUser(null); return; }
  try {
    await loadMe();
  } catch (e) {
    api.clearCredentials();
    setUser(null);
    if (e.status !== 401) throw e;
  }
}

async function signIn(username, password, mode) {
  if (mode === 'basic') {
    api.setBasic(username, password);
    try {
      await loadMe();
    } catch (e) {
      api.clearCredentials();
      throw e;
    }
  } else {
    const answer = await api.post('/api/v1/auth/login', { username, password }, { anonymous: true });
    api.setBearer(answer.access_token);
    await loadMe();
  }
  clearErrors();
  notify(`Signed in as ${username}.`);
}

export async function signOut(everywhere) {
  await guard('Sign out', async () => {
    if (api.authMode() === 'bearer' && api.hasCredentials()) {
      try {
        await api.post(`/api/v1/auth/logout${everywhere ? '?all=true' : ''}`, undefined);
      } finally {
        api.clearCredentials();
      }
    } else {
      api.clearCredentials();
    }
    setUser(null);
    notify('Signed out.');
  });
}

export function init() {
  // Credentials Hub no longer accepts (signed out elsewhere, expired): back to signed out.
  api.events.addEventListener('unauthorized', () => {
    api.clearCredentials();
    if (user) {
      setUser(null);
      notify('Your session ended: sign in again.');
    }
  });
  onSubmit($('#signin-form'), 'Sign in', async (form) => {
    const data = new FormData(form);
    await signIn(data.get('username'), data.get('password'), data.get('mode'));
    form.reset();
    location.hash = '#files';
  });
  onSubmit($('#register-form'), 'Register', async (form) => {
    const data = new FormData(form);
    const u = await api.post('/api/v1/auth/register', {
      username: data.get('username'), email: data.get('email'), password: data.get('password'),
    }, { anonymous: true });
    notify(`Registered ${u.username}.`);
    await signIn(data.get('username'), data.get('password'), 'bearer');
    form.reset();
  });
  $('#me-refresh').addEventListener('click', (e) => guard('Who am I', loadMe, e.currentTarget));
  $('#signout-all').addEventListener('click', () => signOut(true));
}

export function show() {
  if (user) $('#me-card').hidden = false;
}
