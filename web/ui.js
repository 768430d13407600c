// Small DOM helpers shared by the panels: element builder (text only, never HTML strings),
// the status line and the error list every failed call is reported to.

/** el('button', {type: 'button', onclick: f}, 'Save') → element; children are nodes or text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'value' || k === 'checked') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function $(selector, root = document) { return root.querySelector(selector); }

/** A status message in the live region (polite). */
export function notify(message) {
  const status = $('#status');
  status.textContent = message;
}

/** Shows an error in words in the alert region; keeps the last few. */
export function showError(err, context = '') {
  const list = $('#errors');
  const text = `${context ? `${context}: ` : ''}${err && err.message ? err.message : String(err)}`;
  const item = el('li', { class: 'error' }, text,
    el('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss error', onclick: () => item.remove() }, '×'));
  list.prepend(item);
  while (list.children.length > 5) list.lastElementChild.remove();
  if (!(err && err.name === 'ApiError')) console.error(err);
}

export function clearErrors() { $('#errors').replaceChildren(); }

/**
 * Runs `fn` for a button or form: disables `control` meanwhile, reports any error with
 * `context`. Returns fn's result, or undefined after an error.
 */
export async function guard(context, fn, control) {
  if (control) control.disabled = true;
  try {
    return await fn();
  } catch (e) {
    showError(e, context);
    return undefined;
  } finally {
    if (control) control.disabled = false;
  }
}

/** Wires a form's submit to an async handler with guard(); the handler gets the form. */
export function onSubmit(form, context, fn) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    guard(context, () => fn(form), button);
  });
}

export function formatBytes(n) {
  if (n === null || n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) value = Number(value);  // epoch seconds
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(/Z|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString();
}

/**
 * Inline "are you sure" box appended to `container` (once): `question`, a danger button
 * `yesLabel` running `action` through guard(context), and `noLabel` that closes the box.
 */
export function askFirst(container, { question, yesLabel, noLabel = 'Keep', context, action }) {
  if (container.querySelector(':scope > .confirm')) return;
  const box = el('span', { class: 'confirm', role: 'group', 'aria-label': question }, `${question} `,
    el('button', { type: 'button', class: 'danger', onclick: (ev) => guard(context, async () => {
      await action();
      box.remove();
    }, ev.currentTarget) }, yesLabel),
    el('button', { type: 'button', onclick: () => box.remove() }, noLabel));
  container.append(box);
  box.querySelector('button').focus();
}

/** A datetime-local input's value as an ISO-8601 UTC timestamp (what Hub's expires_at takes). */
export const isoOf = (local) => new Date(local).toISOString().replace(/\.\d+Z$/, 'Z');

/** Copies an input's text (a link shown once) to the clipboard, or selects it for Ctrl+C. */
export async function copyFromInput(input) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // No clipboard permission (plain http, some browsers): select it for Ctrl+C.
    input.select();
    if (!document.execCommand('copy')) throw new Error('Copy it by hand: the link is selected.');
  }
  notify('Link copied.');
}
