// Chat panel: pick an advisor, start or continue a conversation, watch the reply stream in
// (HubGPT's SSE events read from fetch's body stream), cancel it, see tool calls and results.
import * as api from './api.js';
import { $, el, guard, notify, onSubmit, formatTime, showError } from './ui.js';
import * as advisors from './advisors.js';
import * as chatshare from './chatshare.js';

let conversation = null;   // {id, advisor_id, ...}
let streaming = false;
let abort = null;

function setStreaming(on) {
  streaming = on;
  $('#chat-send').disabled = on;
  $('#chat-cancel').disabled = !on;
  $('#chat-delete').disabled = on || !conversation || !chatshare.isMine(conversation);
  $('#transcript').setAttribute('aria-busy', on ? 'true' : 'false');
  $('#chat-state').textContent = on ? 'Reply streaming…' : '';
}

function selectedAdvisor() { return $('#chat-advisor').value; }

function requireAdvisor() {
  const id = selectedAdvisor();
  if (!id) throw new Error('Create an advisor first (Advisors section).');
  return id;
}

// ---- transcript ---------------------------------------------------------------------------

export function messageItem(role, content, extra = []) {
  return el('li', { class: `msg ${role}`, dataset: { role } },
    el('div', { class: 'msg-role' }, role),
    el('div', { class: 'content' }, content || ''),
    ...extra);
}

/** Shows a stored conversation's messages in `list` (an <ol class="transcript">). */
export function renderMessages(messages, list = $('#transcript')) {
  list.replaceChildren();
  const toolNames = {};
  for (const m of messages) {
    const extra = [];
    if (Array.isArray(m.tool_calls) && m.tool_calls.length) {
      const calls = el('ul', { class: 'tool-calls', 'aria-label': 'Tool calls' });
      for (const c of m.tool_calls) {
        const fn = c.function || {};
        toolNames[c.id] = fn.name;
        calls.append(el('li', { class: 'tool-call' }, el('span', { class: 'badge' }, 'tool call'),
          ` ${fn.name || '?'}`, el('code', {}, fn.arguments || '{}')));
      }
      extra.push(calls);
    }
    if (m.role === 'tool') {
      const name = toolNames[m.tool_call_id] || m.name || 'tool';
      list.append(el('li', { class: 'msg tool', dataset: { role: 'tool' } },
        el('div', { class: 'msg-role' }, `result of ${name}`),
        el('pre', { class: 'content' }, m.content || '')));
    } else {
      list.append(messageItem(m.role, m.content, extra));
    }
  }
  list.scrollTop = list.scrollHeight;
}

/** Someone else's conversation: who shared it, my access; without `use` it is read-only. */
function showOwnership(c) {
  const mine = !c || chatshare.isMine(c);
  const readOnly = !mine && !c.access.includes('use');
  const note = $('#chat-shared-note');
  note.hidden = mine;
  note.textContent = mine ? '' : `Shared with you by ${c.owner || 'someone'}; your access: ${c.access.join(', ') || 'none'}${readOnly ? ' (read-only)' : ''}.`;
  $('#chat-form').hidden = readOnly;
  $('#chat-form').dataset.readonly = readOnly ? 'true' : 'false';
}

async function openConversation(id) {
  const c = await api.get(`/api/v1/chat/${encodeURIComponent(id)}`);
  conversation = c;
  $('#chat-title').textContent = c.title || `Conversation of ${formatTime(c.created_at)}`;
  $('#chat-title').dataset.conversation = c.id;
  renderMessages(c.messages || []);
  showOwnership(c);
  setStreaming(false);
  await chatshare.showFor(c);
  return c;
}

function closeConversation() {
  conversation = null;
  $('#chat-title').textContent = 'No conversation';
  delete $('#chat-title').dataset.conversation;
  $('#transcript').replaceChildren();
  showOwnership(null);
  chatshare.showFor(null);
  setStreaming(false);
}

async function loadHistory() {
  const id = selectedAdvisor();
  const list = $('#chat-history');
  list.replaceChildren();
  if (!id) return;
  const history = await api.get(`/api/v1/chat/advisor/${encodeURIComponent(id)}/history`);
  if (!history.length) list.append(el('li', { class: 'muted' }, 'No conversations yet.'));
  for (const h of history) {
    list.append(el('li', {}, el('button', {
      type: 'button', class: 'link', dataset: { conversation: h.id },
      'aria-current': conversation && conversation.id === h.id ? 'true' : null,
      onclick: (e) => guard('Open conversation', () => openConversation(h.id), e.currentTarget),
    }, `${formatTime(h.updated_at)} · ${h.message_count} message${h.message_count === 1 ? '' : 's'}`)));
  }
}

async function newConversation() {
  const id = requireAdvisor();
  const c = await api.post(`/api/v1/chat/advisor/${encodeURIComponent(id)}/new`, {});
  conversation = c;
  $('#chat-title').textContent = 'New conversation';
  $('#chat-title').dataset.conversation = c.id;
  renderMessages([]);
  showOwnership(c);
  setStreaming(false);
  await chatshare.showFor(c);
  await loadHistory();
  return c;
}

// ---- sending and streaming ----------------------------------------------------------------

/** Parses SSE blocks ("data: {...}\n\n") as they arrive; calls onEvent per JSON event. */
export async function readEvents(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const flush = (block) => {
    const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    if (!data) return;
    let event;
    try { event = JSON.parse(data); } catch { showError(new Error(`unreadable event: ${data.slice(0, 200)}`), 'Chat'); return; }
    onEvent(event);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let at;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      flush(buffer.slice(0, at));
      buffer = buffer.slice(at + 2);
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) flush(buffer);
}

/**
 * Posts `text` to conversation `cid` and shows it and the reply in `list` (a transcript): the
 * reply streams in as text nodes, or arrives whole for an advisor with stream:false. Resolves
 * with the finish reason, 'cancelled' when `signal` aborted it or the stream ended without one.
 */
export async function postMessage(cid, text, list, signal) {
  list.append(messageItem('user', text));
  const reply = messageItem('assistant', '');
  reply.dataset.streaming = 'true';
  list.append(reply);
  const content = reply.querySelector('.content');
  let finish = '';
  try {
    const res = await api.request('POST', `/api/v1/chat/${encodeURIComponent(cid)}/message`,
      { json: { message: text }, raw: true, signal });
    const type = res.headers.get('Content-Type') || '';
    if (type.startsWith('text/event-stream')) {
      await readEvents(res, (event) => {
        if (event.error) {
          finish = 'error';
          showError(new Error(event.error), 'Chat');
        } else if (event.done) {
          finish = event.finish_reason || 'stop';
        } else if (event.message && typeof event.message.content === 'string') {
          content.append(document.createTextNode(event.message.content));
          list.scrollTop = list.scrollHeight;
        }
      });
    } else {
      const answer = await res.json();
      content.textContent = answer.message ? answer.message.content || '' : '';
      finish = answer.finish_reason || 'stop';
    }
  } catch (e) {
    if (e.name === 'AbortError') finish = 'cancelled';
    else throw e;
  } finally {
    delete reply.dataset.streaming;
    reply.dataset.finish = finish || 'cancelled';
  }
  return finish || 'cancelled';
}

/** The status line's words for a finish reason. */
export function finishText(finish) {
  return finish === 'cancelled' ? 'Reply cancelled.' : `Reply finished (${finish}).`;
}

async function send(text) {
  if (!conversation) await newConversation();
  const cid = conversation.id;
  abort = new AbortController();
  setStreaming(true);
  let finish;
  try {
    finish = await postMessage(cid, text, $('#transcript'), abort.signal);
  } finally {
    abort = null;
    setStreaming(false);
  }
  $('#chat-state').textContent = finishText(finish);
  // The stored conversation has the tool calls and their results: show it as saved.
  await openConversation(cid);
  $('#chat-state').textContent = finishText(finish);
  await loadHistory();
}

async function cancel() {
  if (!conversation) return;
  const answer = await api.post(`/api/v1/chat/${encodeURIComponent(conversation.id)}/cancel`, {});
  notify(answer.status === 'cancelled' ? 'Cancelled the reply.' : 'No reply was being generated.');
}

// ---- wiring -------------------------------------------------------------------------------

function fillAdvisors(all) {
  // Mine, then those shared with me that I may use (labelled with their owner).
  const list = advisors.usable(all);
  const select = $('#chat-advisor');
  const wanted = sessionStorage.getItem('hub.chatAdvisor') || select.value;
  select.replaceChildren(...list.map((a) => el('option', { value: a.id, dataset: { owner: a.owner || '' } },
    advisors.isMine(a) ? a.name : `${a.name} (shared by ${a.owner || '?'})`)));
  if (!list.length) select.append(el('option', { value: '' }, '(no advisors yet)'));
  if (list.some((a) => a.id === wanted)) select.value = wanted;
}

export function init() {
  advisors.onAdvisorsChanged(fillAdvisors);
  $('#chat-advisor').addEventListener('change', () => {
    sessionStorage.setItem('hub.chatAdvisor', selectedAdvisor());
    closeConversation();
    guard('History', loadHistory);
  });
  $('#chat-new').addEventListener('click', (e) => guard('New conversation', newConversation, e.currentTarget));
  $('#chat-latest').addEventListener('click', (e) => guard('Latest conversation', async () => {
    const c = await api.get(`/api/v1/chat/advisor/${encodeURIComponent(requireAdvisor())}/latest`);
    await openConversation(c.id);
    await loadHistory();
  }, e.currentTarget));
  $('#chat-cancel').addEventListener('click', (e) => guard('Cancel', cancel, e.currentTarget));
  $('#chat-delete').addEventListener('click', (e) => guard('Delete conversation', async () => {
    await api.del(`/api/v1/chat/${encodeURIComponent(conversation.id)}`);
    notify('Conversation deleted.');
    closeConversation();
    await loadHistory();
  }, e.currentTarget));
  onSubmit($('#chat-form'), 'Chat', async (form) => {
    const text = $('#chat-input').value;
    if (!text.trim()) return;
    $('#chat-input').value = '';
    await send(text);
    form.querySelector('textarea').focus();
  });
  // Ctrl+Enter sends, as in most chat tools.
  $('#chat-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('#chat-form').requestSubmit(); }
  });
  chatshare.init();
  setStreaming(false);
}

export function show() {
  guard('Chat', async () => {
    const list = await advisors.refresh();
    fillAdvisors(list);
    await loadHistory();
  });
  guard('Shared with me', () => chatshare.loadSharedWithMe(openConversation));
}

export function reset() {
  if (abort) abort.abort();
  chatshare.reset();
  closeConversation();
  $('#chat-history').replaceChildren();
}
