// The open workspace's advisors and conversations, inside the workspace card: list, create,
// edit and delete the workspace's advisors (name, model, gateway, system prompt, streaming);
// start a conversation with one of them, list its conversations, open one, chat in it (the
// chat panel's streaming and rendering), delete it. Every member's role gives its own bits
// (viewers chat, editors also change advisors, admins and owners also delete): Hub decides,
// and a refusal is shown in words like any other error.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, askFirst, formatTime } from './ui.js';
import { postMessage, renderMessages, finishText } from './chat.js';

let ws = null;             // the workspace shown ({id, name, ...})
let advisors = [];         // its advisors
let editing = null;        // the advisor in the form, null for a new one
let conversation = null;   // the conversation shown ({id, advisor_id, access, ...})
let abort = null;          // the streaming reply's AbortController

const wsUrl = (suffix = '') => `/api/v1/workspaces/${encodeURIComponent(ws.id)}${suffix}`;
const advisorUrl = (id) => wsUrl(`/advisors/${encodeURIComponent(id)}`);
const chatUrl = (id, suffix = '') => `/api/v1/chat/${encodeURIComponent(id)}${suffix}`;
const selectedAdvisor = () => $('#workspace-chat-advisor').value;
const systemPrompt = (a) => {
  const m = (a.messages || []).find((x) => x.role === 'system');
  return m && typeof m.content === 'string' ? m.content : '';
};

// ---- advisors --------------------------------------------------------------------------------

function fillForm(a) {
  editing = a ? a.id : null;
  $('#workspace-advisor-form-title').textContent = a ? `Edit ${a.name}` : 'New advisor';
  $('#workspace-advisor-name').value = a ? a.name : '';
  $('#workspace-advisor-model').value = a ? a.model : 'echo-1';
  $('#workspace-advisor-gateway').value = a ? a.gateway || '' : '';
  $('#workspace-advisor-prompt').value = a ? systemPrompt(a) : 'You are a helpful advisor.';
  $('#workspace-advisor-stream').checked = a ? !!a.stream : true;
}

/** The body of POST/PUT: a new advisor, or `a` (full replace) with the form's fields changed. */
function formBody(a) {
  const prompt = $('#workspace-advisor-prompt').value;
  const body = a ? {
    name: a.name, description: a.description, model: a.model, temperature: a.temperature, max_tokens: a.max_tokens,
    stream: a.stream, messages: a.messages, gateway: a.gateway, tools: a.tools, top_p: a.top_p,
    frequency_penalty: a.frequency_penalty, presence_penalty: a.presence_penalty,
  } : { messages: [] };
  body.name = $('#workspace-advisor-name').value.trim();
  body.model = $('#workspace-advisor-model').value.trim();
  body.stream = $('#workspace-advisor-stream').checked;
  body.gateway = $('#workspace-advisor-gateway').value.trim() || null;
  if (body.gateway === null) delete body.gateway;  // Hub's default gateway
  // The first system message is the prompt; the others are kept as they were.
  const messages = [...(body.messages || [])];
  const at = messages.findIndex((m) => m.role === 'system');
  if (at >= 0 && prompt) messages[at] = { ...messages[at], content: prompt };
  else if (at >= 0) messages.splice(at, 1);
  else if (prompt) messages.unshift({ role: 'system', content: prompt });
  body.messages = messages;
  return body;
}

function advisorRow(a) {
  const actions = el('td', { class: 'actions' },
    el('button', {
      type: 'button', 'aria-label': `Chat with ${a.name}`,
      onclick: (e) => guard('Workspace chat', () => selectAdvisor(a.id), e.currentTarget),
    }, 'Chat'),
    el('button', {
      type: 'button', 'aria-label': `Edit ${a.name}`,
      onclick: () => { fillForm(a); $('#workspace-advisor-name').focus(); },
    }, 'Edit'));
  actions.append(el('button', {
    type: 'button', class: 'danger', 'aria-label': `Delete ${a.name}`,
    onclick: () => askFirst(actions, {
      question: `Delete ${a.name} and its conversations?`, yesLabel: 'Yes, delete', context: 'Delete advisor',
      action: async () => {
        await api.del(advisorUrl(a.id));
        notify(`Deleted advisor ${a.name} of ${ws.name}.`);
        if (editing === a.id) fillForm(null);
        await loadAdvisors();
      },
    }),
  }, 'Delete'));
  return el('tr', { dataset: { id: a.id, name: a.name } },
    el('th', { scope: 'row' }, a.name),
    el('td', {}, a.model),
    el('td', {}, a.gateway || ''),
    actions);
}

async function loadAdvisors() {
  const w = ws;
  const list = await api.get(wsUrl('/advisors'));
  if (ws !== w) return;
  advisors = list;
  const body = $('#workspace-advisors tbody');
  body.replaceChildren(...advisors.map(advisorRow));
  if (!advisors.length) body.append(el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'No advisors yet.')));
  if (editing && !advisors.some((a) => a.id === editing)) fillForm(null);
  // The chat's advisor picker: keep the choice while it still exists.
  const select = $('#workspace-chat-advisor');
  const wanted = select.value;
  select.replaceChildren(...advisors.map((a) => el('option', { value: a.id }, a.name)));
  if (!advisors.length) select.append(el('option', { value: '' }, '(no advisors yet)'));
  if (advisors.some((a) => a.id === wanted)) select.value = wanted;
  if (conversation && !advisors.some((a) => a.id === conversation.advisor_id)) closeConversation();
  await loadHistory();
}

// ---- conversations -------------------------------------------------------------------------

function setStreaming(on) {
  $('#workspace-chat-send').disabled = on;
  $('#workspace-chat-cancel').disabled = !on;
  $('#workspace-chat-delete').disabled = on;
  $('#workspace-transcript').setAttribute('aria-busy', on ? 'true' : 'false');
  $('#workspace-chat-state').textContent = on ? 'Reply streaming…' : '';
}

function showConversation(c, title) {
  conversation = c;
  $('#workspace-chat-title').textContent = title;
  $('#workspace-chat-title').dataset.conversation = c.id;
  $('#workspace-chat-form').hidden = false;
  renderMessages(c.messages || [], $('#workspace-transcript'));
  setStreaming(false);
}

function closeConversation() {
  if (abort) abort.abort();
  conversation = null;
  $('#workspace-chat-title').textContent = 'No conversation';
  delete $('#workspace-chat-title').dataset.conversation;
  $('#workspace-chat-form').hidden = true;
  $('#workspace-transcript').replaceChildren();
  setStreaming(false);
}

async function openConversation(id) {
  const c = await api.get(chatUrl(id));
  showConversation(c, c.title || `Conversation of ${formatTime(c.created_at)}`);
  markCurrent();
  return c;
}

function markCurrent() {
  for (const b of document.querySelectorAll('#workspace-chat-history button')) {
    b.setAttribute('aria-current', conversation && b.dataset.conversation === conversation.id ? 'true' : 'false');
  }
}

async function loadHistory() {
  const list = $('#workspace-chat-history');
  const id = selectedAdvisor();
  if (!ws || !id) { list.replaceChildren(); return; }
  const w = ws;
  const history = await api.get(wsUrl(`/chat/advisor/${encodeURIComponent(id)}/history`));
  if (ws !== w || selectedAdvisor() !== id) return;
  list.replaceChildren(...history.map((h) => el('li', {}, el('button', {
    type: 'button', class: 'link', dataset: { conversation: h.id },
    onclick: (e) => guard('Open conversation', () => openConversation(h.id), e.currentTarget),
  }, `${formatTime(h.updated_at)} · ${h.message_count} message${h.message_count === 1 ? '' : 's'}`))));
  if (!history.length) list.append(el('li', { class: 'muted' }, 'No conversations yet.'));
  markCurrent();
}

async function selectAdvisor(id) {
  $('#workspace-chat-advisor').value = id;
  closeConversation();
  await loadHistory();
  $('#workspace-chat-advisor').focus();
}

async function newConversation() {
  const id = selectedAdvisor();
  if (!id) throw new Error('Create an advisor for this workspace first.');
  const c = await api.post(wsUrl(`/chat/advisor/${encodeURIComponent(id)}/new`), {});
  showConversation(c, 'New conversation');
  await loadHistory();
  $('#workspace-chat-input').focus();
}

async function send(text) {
  const cid = conversation.id;
  abort = new AbortController();
  setStreaming(true);
  let finish;
  try {
    finish = await postMessage(cid, text, $('#workspace-transcript'), abort.signal);
  } finally {
    abort = null;
    setStreaming(false);
  }
  if (!conversation || conversation.id !== cid) return;
  await openConversation(cid);
  $('#workspace-chat-state').textContent = finishText(finish);
  await loadHistory();
}

// ---- the workspace card calls these ------------------------------------------------------------

/** Shows `w`'s advisors and conversations (a different workspace starts afresh). */
export async function open(w) {
  if (!ws || ws.id !== w.id) close();
  ws = w;
  await loadAdvisors();
}

export function close() {
  closeConversation();
  ws = null;
  advisors = [];
  fillForm(null);
  $('#workspace-advisors tbody').replaceChildren();
  $('#workspace-chat-advisor').replaceChildren();
  $('#workspace-chat-history').replaceChildren();
}

export function init() {
  fillForm(null);
  closeConversation();
  $('#workspace-advisor-clear').addEventListener('click', () => { fillForm(null); $('#workspace-advisor-name').focus(); });
  onSubmit($('#workspace-advisor-form'), 'Save advisor', async () => {
    const before = editing ? advisors.find((a) => a.id === editing) : null;
    const body = formBody(before);
    const saved = before ? await api.put(advisorUrl(before.id), body) : await api.post(wsUrl('/advisors'), body);
    notify(`Saved advisor ${saved.name} of ${ws.name}.`);
    fillForm(saved);
    await loadAdvisors();
  });
  $('#workspace-chat-advisor').addEventListener('change', () => {
    closeConversation();
    guard('Workspace conversations', loadHistory);
  });
  $('#workspace-chat-new').addEventListener('click', (e) => guard('New conversation', newConversation, e.currentTarget));
  $('#workspace-chat-cancel').addEventListener('click', (e) => guard('Cancel', async () => {
    const answer = await api.post(chatUrl(conversation.id, '/cancel'), {});
    notify(answer.status === 'cancelled' ? 'Cancelled the reply.' : 'No reply was being generated.');
  }, e.currentTarget));
  $('#workspace-chat-delete').addEventListener('click', () => askFirst($('#workspace-chat-form .actions'), {
    question: 'Delete this conversation for every member?', yesLabel: 'Yes, delete', context: 'Delete conversation',
    action: async () => {
      await api.del(chatUrl(conversation.id));
      notify('Conversation deleted.');
      closeConversation();
      await loadHistory();
    },
  }));
  onSubmit($('#workspace-chat-form'), 'Workspace chat', async () => {
    const text = $('#workspace-chat-input').value;
    if (!text.trim()) return;
    $('#workspace-chat-input').value = '';
    await send(text);
    $('#workspace-chat-input').focus();
  });
  $('#workspace-chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('#workspace-chat-form').requestSubmit(); }
  });
}
