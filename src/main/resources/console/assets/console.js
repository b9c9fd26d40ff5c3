// The Outbox Relay console: one page, views chosen by the URL's #fragment, data from /console/api.
// No framework and nothing from elsewhere. Text from mail is only ever put into the page as text (textContent),
// never as markup; a mail's HTML is shown in a sandboxed frame served by the relay with its own policy.
'use strict';

const state = { csrf: null, capture: false, refresh: null };
const main = document.getElementById('main');

// --- small helpers ------------------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat().filter(Boolean));
}

function when(iso) {
  if (!iso) return el('span', { class: 'muted', text: '–' });
  const d = new Date(iso);
  return el('time', { datetime: iso, title: iso }, d.toLocaleString());
}

function badge(status) {
  return el('span', { class: 'badge ' + (status || 'unknown'), 'data-status': status || '' }, status || '?');
}

function problem(text) {
  return el('p', { class: 'problem', role: 'alert' }, text);
}

function fmtBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

function enc(s) {
  return encodeURIComponent(s);
}

class SignedOut extends Error {}

async function api(path, options = {}) {
  const init = { method: options.method || 'GET', headers: {}, credentials: 'same-origin' };
  if (init.method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    if (state.csrf) init.headers['X-CSRF-Token'] = state.csrf;
    init.body = JSON.stringify(options.body || {});
  }
  const r = await fetch('api/' + path, init);
  const type = r.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await r.json() : await r.text();
  if (r.status === 401 && path !== 'session') {
    state.csrf = null;
    throw new SignedOut();
  }
  if (!r.ok) {
    const detail = body && body.detail ? body.detail : r.status + ' ' + r.statusText;
    const e = new Error(detail);
    e.status = r.status;
    throw e;
  }
  return body;
}

function confirmAction(text) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  return new Promise(resolve => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
  });
}

// --- routing ----------------------------------------------------------------------------------------------

function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'overview';
  const [path, query] = hash.split('?');
  const parts = path.split('/').map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  clearInterval(state.refresh);
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.view === parts[0]));
  const views = {
    overview: () => overview(),
    mail: () => parts[1] ? mail(parts.slice(1).join('/')) : mailList(params),
    dead: () => deadLetters(),
    captured: () => parts[1] ? capturedOne(parts[1]) : capturedList(params),
  };
  const view = views[parts[0]] || views.overview;
  return view().catch(failed);
}

function failed(e) {
  if (e instanceof SignedOut) {
    signIn();
    return;
  }
  show(problem(e.message));
}

// --- sign-in ------------------------------------------------------------------------------------------------

function signedIn(session) {
  state.csrf = session.csrf;
  state.capture = session.capture;
  document.getElementById('nav').hidden = false;
  document.getElementById('sign-out').hidden = false;
}

function signIn(message) {
  clearInterval(state.refresh);
  document.getElementById('nav').hidden = true;
  document.getElementById('sign-out').hidden = true;
  const token = el('input', { id: 'token', type: 'password', name: 'token', autocomplete: 'current-password',
    required: true, spellcheck: 'false' });
  const error = el('p', { id: 'sign-in-error', class: 'problem', role: 'alert', hidden: !message }, message || '');
  const form = el('form', { id: 'sign-in', class: 'card narrow', onsubmit: async ev => {
    ev.preventDefault();
    try {
      signedIn(await api('session', { method: 'POST', body: { token: token.value } }));
      token.value = '';
      route();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  } },
  el('h1', {}, 'Sign in'),
  el('p', { class: 'muted' }, 'With an admin token of the relay (relay.http.admin-tokens, or relay.http.tokens when no admin tokens are set).'),
  el('label', { for: 'token' }, 'Admin token'), token, error,
  el('button', { type: 'submit', id: 'sign-in-button' }, 'Sign in'));
  show(form);
  token.focus();
}

async function signOut() {
  try {
    await api('session/end', { method: 'POST' });
  } catch (e) {
    // signed out already
  }
  state.csrf = null;
  signIn('Signed out.');
}

// --- overview -----------------------------------------------------------------------------------------------

function card(title, id, ...rows) {
  return el('section', { class: 'card', id }, el('h2', {}, title), ...rows);
}

function row(label, value, id) {
  return el('div', { class: 'row' }, el('span', { class: 'label' }, label),
    el('span', { class: 'value', id }, value instanceof Node ? value : String(value)));
}

function unreadable(part) {
  return part && part.error ? el('p', { class: 'problem' }, part.error) : null;
}

async function overview() {
  const render = async () => {
    const o = await api('overview');
    const flow = o.flow || {};
    const received = flow.receivedByChannel || {};
    const outcomes = flow.outcomes || {};
    const backlog = o.backlog || {};
    const account = o.account || {};
    const sign = o.signIn || {};
    const smtp = o.smtp || {};
    const total = Object.values(received).reduce((a, b) => a + b, 0);
    show(
      el('div', { class: 'title' }, el('h1', {}, 'Overview'),
        el('span', { class: 'muted', id: 'updated' }, 'node ' + o.node + ' · ' + o.provider + ' · updated ',
          when(o.at))),
      el('div', { class: 'grid' },
        card('Last hour', 'flow', unreadable(flow),
          row('received', total, 'received-total'),
          ...Object.entries(received).map(([ch, n]) => row('  by ' + ch, n, 'received-' + ch)),
          row('sent', outcomes.sent || 0, 'flow-sent'),
          row('deferred', outcomes.deferred || 0, 'flow-deferred'),
          row('failed', outcomes.failed || 0, 'flow-failed'),
          outcomes.bounced ? row('bounced', outcomes.bounced, 'flow-bounced') : null,
          outcomes.suppressed ? row('suppressed', outcomes.suppressed, 'flow-suppressed') : null),
        card('Backlog', 'backlog', unreadable(backlog),
          row('queued', backlog.queued ?? '–', 'backlog-queued'),
          row('deferred', backlog.deferred ?? '–', 'backlog-deferred'),
          row('oldest waiting', when(backlog.oldestWaiting), 'backlog-oldest'),
          row('on this relay\'s queue', backlog.onQueue >= 0 ? backlog.onQueue : '–'),
          row('dead letters', el('a', { href: '#/dead' }, String(backlog.deadLetters >= 0 ? backlog.deadLetters : '–')))),
        card('Account', 'account', unreadable(account),
          row('address', account.account || '–'),
          row('state', account.paused ? el('span', { class: 'badge failed' }, 'paused') : el('span', { class: 'badge sent' }, 'sending'), 'account-state'),
          account.paused ? row('resumes at', when(account.pausedUntil), 'account-resumes') : null,
          account.paused ? row('why', account.reason || '–', 'account-reason') : null,
          account.paused && account.fix ? row('what to do', account.fix) : null,
          row('recipients today', account.recipientsToday + (account.recipientsPerDay > 0 ? ' of ' + account.recipientsPerDay : ' (no daily limit)'), 'account-budget')),
        card('Sign-in', 'sign-in-health', unreadable(sign),
          row('method', sign.method || '–'),
          row('state', sign.status || '–', 'sign-in-state'),
          sign.lastRefresh ? row('last refresh', when(sign.lastRefresh)) : null,
          sign.loginNeededBy ? row('login needed by', when(sign.loginNeededBy), 'login-needed-by') : null,
          sign.detail ? el('p', { class: 'muted small' }, sign.detail) : null),
        card('SMTP', 'smtp', unreadable(smtp),
          row('server', smtp.server || '–'),
          row('security', smtp.security || '–'),
          row('connections open', (smtp.connectionsOpen >= 0 ? smtp.connectionsOpen : '–') + ' of ' + smtp.maxConnections, 'smtp-open'))));
  };
  await render();
  state.refresh = setInterval(() => render().catch(failed), 10000);
}

// --- mail list ------------------------------------------------------------------------------------------------

const STATUSES = ['queued', 'deferred', 'sent', 'failed', 'refused', 'bounced', 'delayed', 'suppressed'];

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = n => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

async function mailList(params) {
  const field = (name, label, type, extra = {}) => el('label', {}, label,
    el('input', Object.assign({ name, id: 'q-' + name, type: type || 'text', value: type === 'datetime-local' ? localInput(params.get(name)) : params.get(name) || '' }, extra)));
  const select = (name, label, values) => el('label', {}, label,
    el('select', { name, id: 'q-' + name }, el('option', { value: '' }, 'any'),
      ...values.map(v => el('option', { value: v, selected: params.get(name) === v }, v))));
  const form = el('form', { id: 'search', class: 'search', onsubmit: ev => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (!v) continue;
      q.set(k, (k === 'from' || k === 'to') ? new Date(v).toISOString() : v.trim());
    }
    location.hash = '#/mail?' + q.toString();
  } },
  field('id', 'Id or Message-ID'), field('recipient', 'Recipient', 'email', { placeholder: 'jane@example.com' }),
  field('subject', 'Subject contains'), select('status', 'Status', STATUSES),
  select('channel', 'Channel', ['http', 'jms', 'outbox']),
  field('from', 'From', 'datetime-local'), field('to', 'Until', 'datetime-local'),
  el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'search-button' }, 'Search'),
    el('a', { href: '#/mail', class: 'button quiet' }, 'Clear')));
  const query = new URLSearchParams(params);
  query.set('limit', '50');
  const page = await api('mails?' + query.toString());
  const rows = page.jobs.map(j => el('tr', { 'data-id': j.id },
    el('td', {}, when(j.createdAt)),
    el('td', { class: 'id' }, el('a', { href: '#/mail/' + enc(j.id) }, j.id)),
    el('td', {}, badge(j.status)),
    el('td', {}, j.channel || ''),
    el('td', { class: 'subject' }, j.subject || ''),
    el('td', { class: 'num' }, String(j.attempts))));
  const older = new URLSearchParams(params);
  if (page.next) older.set('after', page.next);
  show(el('h1', {}, 'Mail'), form,
    page.note ? el('p', { class: 'muted', id: 'search-note' }, page.note) : null,
    rows.length ? el('div', { class: 'scroll' }, el('table', { id: 'mails' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Received'), el('th', {}, 'Id'), el('th', {}, 'Status'),
        el('th', {}, 'Channel'), el('th', {}, 'Subject'), el('th', { class: 'num' }, 'Attempts'))),
      el('tbody', {}, rows)))
      : el('p', { class: 'muted', id: 'no-mail' }, 'No mail matches.'),
    el('div', { class: 'actions pager' },
      params.get('after') ? el('a', { class: 'button quiet', href: '#/mail', onclick: ev => { ev.preventDefault(); history.back(); } }, '‹ Newer') : null,
      page.next ? el('a', { class: 'button quiet', id: 'older', href: '#/mail?' + older.toString() }, 'Older ›') : null));
}

// --- one mail ---------------------------------------------------------------------------------------------------

async function mail(id) {
  const m = await api('mails/' + enc(id));
  const job = m.job;
  const parts = [el('p', {}, el('a', { href: '#/mail' }, '‹ Mail'))];
  parts.push(el('div', { class: 'title' }, el('h1', { id: 'mail-id' }, id),
    job ? badge(job.status) : m.deadLetter ? badge('failed') : null));
  if (job) {
    parts.push(el('section', { class: 'card', id: 'summary' }, el('h2', {}, job.subject || '(no subject)'),
      row('channel', job.channel || '–'), row('received', when(job.createdAt)), row('last change', when(job.updatedAt)),
      row('attempts', job.attempts),
      job.status === 'deferred' ? row('next attempt', when(job.nextAttemptAt), 'next-attempt') : null,
      row('Message-ID', job.messageId || '–', 'message-id'),
      job.smtpReply ? row('last SMTP reply', job.smtpReply, 'smtp-reply') : null,
      job.reason ? row('reason', job.reason, 'reason') : null,
      job.node ? row('relay', job.node) : null));
  } else {
    parts.push(el('p', { class: 'muted' }, 'The job store has no record of this job (it may have been kept shorter than relay.status.retention, or never reached the store).'));
  }
  if (m.deadLetter) parts.push(deadLetterBox(id, m.deadLetter));
  if (m.recipients.length) {
    parts.push(el('section', { class: 'card', id: 'recipients' }, el('h2', {}, 'Recipients'),
      el('div', { class: 'scroll' }, el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Address'), el('th', {}, 'Status'), el('th', {}, 'Reply'), el('th', {}, 'When'))),
        el('tbody', {}, m.recipients.map(r => el('tr', { 'data-address': r.address },
          el('td', {}, r.address), el('td', {}, badge(r.status)), el('td', {}, r.reply || ''), el('td', {}, when(r.updatedAt)))))))));
  }
  parts.push(el('section', { class: 'card', id: 'timeline' }, el('h2', {}, 'Timeline'),
    m.events.length ? el('ol', { class: 'timeline' }, m.events.map(e => el('li', { 'data-status': e.status },
      el('div', {}, when(e.at), ' ', badge(e.status), e.attempt ? el('span', { class: 'muted' }, ' attempt ' + e.attempt) : null,
        e.node ? el('span', { class: 'muted' }, ' on ' + e.node) : null),
      e.smtpReply ? el('div', { class: 'reply' }, e.smtpReply) : null,
      e.reason ? el('div', {}, e.reason) : null,
      e.nextAttemptAt ? el('div', { class: 'next-attempt' }, 'next attempt ', when(e.nextAttemptAt)) : null,
      e.messageId && e.status === 'sent' ? el('div', { class: 'muted' }, 'Message-ID ' + e.messageId) : null,
      e.detail ? el('div', { class: 'muted' }, e.detail) : null)))
      : el('p', { class: 'muted' }, 'No history recorded.')));
  parts.push(contentSection(m.content, 'mails/' + enc(id)));
  show(parts);
}

function deadLetterBox(id, dead) {
  const retry = async () => {
    if (!await confirmAction('Send dead letter ' + id + ' again? It goes back on mail.jobs under its id.')) return;
    await act(() => api('dead/' + enc(id) + '/retry', { method: 'POST' }), 'Queued again.');
  };
  const purge = async () => {
    if (!await confirmAction('Delete dead letter ' + id + ' for good?')) return;
    await act(() => api('dead/' + enc(id) + '/purge', { method: 'POST' }), 'Deleted.');
  };
  return el('section', { class: 'card dead', id: 'dead-letter' }, el('h2', {}, 'Dead letter'),
    row('failed at', when(dead.failedAt)), row('attempts', dead.attempts),
    row('reason', dead.reason || '–', 'dead-reason'), dead.smtpReply ? row('SMTP reply', dead.smtpReply) : null,
    dead.problems ? el('p', { class: 'problem' }, 'It cannot be sent again: ' + dead.problems.join('; ') + '. Purge it.') : null,
    el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'retry', onclick: () => retry().catch(failed) }, 'Retry'),
      el('button', { type: 'button', id: 'purge', class: 'danger', onclick: () => purge().catch(failed) }, 'Purge')));
}

async function act(call, done) {
  let result;
  try {
    result = await call();
  } catch (e) {
    if (e instanceof SignedOut) throw e;
    // refused (a dead letter that can never be a job, say): said above the page, which stays as it is
    main.prepend(problem(e.message));
    return;
  }
  const count = result.retried ?? result.purged;
  await route();
  main.prepend(el('p', { class: 'ok', id: 'action-result', role: 'status' }, done + (count !== undefined ? ' (' + count + ')' : '')));
}

function contentSection(content, base) {
  if (!content) {
    return el('section', { class: 'card', id: 'content' }, el('h2', {}, 'Content'),
      el('p', { class: 'muted', id: 'no-content' }, 'The relay does not keep the content of mail it has sent: it is shown while a job waits on a queue, for dead letters, and for mail the capture provider kept. The history and recipients above are what is known.'));
  }
  const origin = { 'dead-letter': 'the dead letter on mail.dead', queued: 'the job waiting on mail.jobs (as it will be sent)',
    deferred: 'the deferred job on mail.jobs (as it will be sent)', captured: 'the message the capture provider kept' }[content.origin];
  const section = el('section', { class: 'card', id: 'content' }, el('h2', {}, 'Content'),
    el('p', { class: 'muted' }, 'From ' + origin + '.'));
  if (content.problem) section.append(problem(content.problem));
  if (content.message) section.append(messageView(content.message, base));
  if (content.payload) section.append(el('details', {}, el('summary', {}, 'The job as it was queued (JSON)'), el('pre', { class: 'payload' }, content.payload)));
  return section;
}

function messageView(msg, base) {
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  const panels = el('div', {});
  const add = (name, label, panel) => {
    const b = el('button', { type: 'button', role: 'tab', id: 'tab-' + name, class: 'tab', onclick: () => select(name) }, label);
    tabs.append(b);
    panel.dataset.tab = name;
    panel.id = 'panel-' + name;
    panels.append(panel);
  };
  const select = name => {
    tabs.querySelectorAll('button').forEach(b => b.classList.toggle('active', b.id === 'tab-' + name));
    panels.childNodes.forEach(p => { p.hidden = p.dataset.tab !== name; });
  };
  if (msg.hasHtml) {
    const frame = el('iframe', { id: 'html-frame', class: 'mail-html', sandbox: '', referrerpolicy: 'no-referrer',
      title: 'The message as HTML', src: 'api/' + base + '/html' });
    const remote = msg.remoteImages > 0 ? el('p', { class: 'notice', id: 'remote-notice' },
      msg.remoteImages + ' remote image(s) not loaded. ',
      el('button', { type: 'button', class: 'quiet', id: 'load-remote', onclick: ev => {
        frame.src = 'api/' + base + '/html?remote=true';
        ev.target.parentNode.remove();
      } }, 'Load them')) : null;
    add('html', 'HTML', el('div', {}, remote, frame));
  }
  if (msg.text !== null && msg.text !== undefined) add('text', 'Text', el('pre', { class: 'text' }, msg.text));
  add('headers', 'Headers', el('div', { class: 'scroll' }, el('table', { class: 'headers' }, el('tbody', {},
    msg.headers.map(h => el('tr', {}, el('th', {}, h.name), el('td', {}, h.value)))))));
  add('attachments', 'Attachments (' + msg.attachments.length + ')', msg.attachments.length
    ? el('ul', { class: 'attachments' }, msg.attachments.map(a => el('li', {},
      el('a', { href: 'api/' + base + '/parts/' + a.part, download: a.filename }, a.filename),
      el('span', { class: 'muted' }, ' ' + a.contentType + ', ' + fmtBytes(a.size) + (a.inline ? ', inline' : '')))))
    : el('p', { class: 'muted' }, 'No attachments.'));
  select(msg.hasHtml ? 'html' : msg.text != null ? 'text' : 'headers');
  return el('div', { class: 'message' },
    el('div', { class: 'envelope' }, row('From', msg.from || '–'), row('To', msg.to || '–'),
      msg.cc ? row('Cc', msg.cc) : null, row('Subject', msg.subject || '–', 'message-subject'), row('Date', msg.date || '–'),
      row('Size', fmtBytes(msg.size))),
    el('div', { class: 'actions' }, el('a', { class: 'button quiet', id: 'download-eml', href: 'api/' + base + '/eml', download: '' }, 'Download .eml')),
    tabs, panels);
}

// --- dead letters -------------------------------------------------------------------------------------------------

async function deadLetters() {
  const dead = await api('dead');
  const one = (d, action) => async () => {
    const what = action === 'retry' ? 'Send dead letter ' + d.id + ' again?' : 'Delete dead letter ' + d.id + ' for good?';
    if (!await confirmAction(what)) return;
    await act(() => api('dead/' + enc(d.id) + '/' + action, { method: 'POST' }), action === 'retry' ? 'Queued again.' : 'Deleted.');
  };
  const all = action => async () => {
    const what = action === 'retry' ? 'Send all ' + dead.length + ' dead letters again?' : 'Delete all ' + dead.length + ' dead letters for good?';
    if (!await confirmAction(what)) return;
    await act(() => api('dead/' + action + '?all=true', { method: 'POST' }), action === 'retry' ? 'Queued again.' : 'Deleted.');
  };
  show(el('div', { class: 'title' }, el('h1', {}, 'Dead letters'), el('span', { class: 'muted', id: 'dead-count' }, dead.length + ' on mail.dead')),
    dead.length ? el('div', { class: 'actions' },
      el('button', { type: 'button', id: 'retry-all', onclick: () => all('retry')().catch(failed) }, 'Retry all'),
      el('button', { type: 'button', id: 'purge-all', class: 'danger', onclick: () => all('purge')().catch(failed) }, 'Purge all')) : null,
    dead.length ? el('div', { class: 'scroll' }, el('table', { id: 'dead' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Failed at'), el('th', {}, 'Id'), el('th', {}, 'Channel'), el('th', { class: 'num' }, 'Attempts'), el('th', {}, 'Reason'), el('th', {}, ''))),
      el('tbody', {}, dead.map(d => el('tr', { 'data-id': d.id },
        el('td', {}, when(d.failedAt)), el('td', { class: 'id' }, el('a', { href: '#/mail/' + enc(d.id) }, d.id)),
        el('td', {}, d.channel || ''), el('td', { class: 'num' }, String(d.attempts)),
        el('td', {}, d.reason || '', d.problems ? el('div', { class: 'problem small' }, 'cannot be sent again: ' + d.problems.join('; ')) : null),
        el('td', { class: 'nowrap' },
          el('button', { type: 'button', class: 'small retry', onclick: () => one(d, 'retry')().catch(failed) }, 'Retry'),
          el('button', { type: 'button', class: 'small danger purge', onclick: () => one(d, 'purge')().catch(failed) }, 'Purge')))))))
      : el('p', { class: 'muted', id: 'no-dead' }, 'mail.dead is empty.'));
}

// --- captured mail -------------------------------------------------------------------------------------------------

async function capturedList(params) {
  const query = new URLSearchParams(params);
  const page = await api('captured?' + query.toString());
  const filter = el('input', { type: 'search', name: 'q', id: 'captured-filter', placeholder: 'from, to or subject', value: params.get('q') || '' });
  const form = el('form', { class: 'search inline', onsubmit: ev => {
    ev.preventDefault();
    location.hash = '#/captured' + (filter.value.trim() ? '?q=' + enc(filter.value.trim()) : '');
  } }, filter, el('button', { type: 'submit' }, 'Filter'));
  const next = new URLSearchParams(params);
  if (page.next) next.set('after', page.next);
  show(el('div', { class: 'title' }, el('h1', {}, 'Captured mail'),
    el('span', { class: 'muted', id: 'captured-count' }, page.total + ' in ' + page.folder)),
  page.capture ? null : el('p', { class: 'notice' }, 'The relay sends through a real server now (provider is not capture); these are messages captured earlier.'),
  form,
  page.messages.length ? el('ul', { class: 'inbox', id: 'captured' }, page.messages.map(m => el('li', { 'data-name': m.name },
    el('a', { href: '#/captured/' + enc(m.name) },
      el('span', { class: 'from' }, m.from || '–'),
      el('span', { class: 'subject' }, m.subject || '(no subject)'),
      el('span', { class: 'muted to' }, 'to ' + (m.to || '–')),
      el('span', { class: 'muted date' }, when(m.capturedAt), ' · ' + fmtBytes(m.size))))))
    : el('p', { class: 'muted', id: 'no-captured' }, 'Nothing captured yet.'),
  page.next ? el('div', { class: 'actions pager' }, el('a', { class: 'button quiet', href: '#/captured?' + next.toString() }, 'Older ›')) : null);
}

async function capturedOne(name) {
  const c = await api('captured/' + enc(name));
  show(el('p', {}, el('a', { href: '#/captured' }, '‹ Captured mail')),
    el('h1', { id: 'captured-subject' }, c.message.subject || '(no subject)'),
    el('section', { class: 'card', id: 'content' }, messageView(c.message, 'captured/' + enc(name))));
}

// --- start -------------------------------------------------------------------------------------------------------

document.getElementById('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => {
  if (state.csrf) route();
});

(async () => {
  try {
    const session = await api('session');
    if (session.signedIn) {
      signedIn(session);
      route();
    } else {
      signIn();
    }
  } catch (e) {
    show(problem('The console cannot reach the relay: ' + e.message));
  }
})();
