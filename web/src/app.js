// Oyster's web UI: a few pages over the JSON API (docs/web.md). Every
// string from the store may be an attacker's (passwords, command lines,
// file names, rule descriptions quoting them): it reaches the page only
// through text nodes (el() below), never as HTML.
import * as AsciinemaPlayer from 'asciinema-player';
import uPlot from 'uplot';

const main = () => document.getElementById('main');

// An element with attributes and children; strings become text nodes.
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c)))))));
}

const mono = (text) => el('td', { class: 'mono' }, text ?? '');
const link = (href, text) => el('a', { href }, text);
const sessionLink = (id) => link(`#/session/${Number(id)}`, `#${Number(id)}`);
const intrusionLink = (id) => link(`#/intrusion/${encodeURIComponent(id)}`, id);
const clock = (t) => (typeof t === 'string' && t.length >= 23 ? t.slice(0, 10) + ' ' + t.slice(11, 23) : t ?? '');
const sevClass = (s) => `sev-${['critical', 'high', 'medium', 'low'].includes(s) ? s : 'medium'}`;

class Unauthorized extends Error {}

async function api(path) {
  const r = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (r.status === 401) throw new Unauthorized();
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

function showLogin() {
  document.getElementById('nav').hidden = true;
  const m = main();
  m.replaceChildren(document.getElementById('login-form').content.cloneNode(true));
  document.getElementById('login').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await fetch('/api/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: document.getElementById('token').value.trim() }),
    });
    if (r.ok) {
      if (!location.hash || location.hash === '#/login') location.hash = '#/overview';
      route();
    } else {
      const err = document.getElementById('login-error');
      err.textContent = (await r.json().catch(() => ({}))).error || 'login failed';
      err.hidden = false;
    }
  });
}

// ---------------------------------------------------------------- pages

async function overview() {
  const o = await api('/api/overview');
  const t = o.totals;
  const plot = el('div', { id: 'intrusions-plot' });
  const page = el('div', {},
    el('h1', {}, 'Overview'),
    el('div', { class: 'cards' },
      ['intrusions', 'sessions', 'logins', 'commands', 'alerts'].map((k) => el('div', { class: 'card' }, el('b', {}, t[k]), k))),
    // A fleet's central store: each sensor's figures, and its sessions.
    (o.sensors || []).length > 1 || (o.sensors || []).some((x) => x.sensor)
      ? [el('h2', {}, 'Sensors'),
        table(['sensor', 'intrusions', 'open', 'sessions', 'logged in', 'alerts', 'last session'],
          o.sensors.map((x) => [x.sensor ? link(`#/sessions?sensor=${encodeURIComponent(x.sensor)}`, x.sensor) : '(unnamed)',
            x.intrusions, x.open_intrusions, x.sessions, x.logged_in, x.alerts, clock(x.last_session)]))]
      : null,
    el('h2', {}, 'Live guests (open intrusions)'),
    o.open_intrusions.length
      ? table(['intrusion', 'source', 'guest', 'opened', 'sessions', 'commands'],
        o.open_intrusions.map((i) => [intrusionLink(i.id), i.source_ip, i.guest_id, clock(i.opened), i.sessions, i.commands]))
      : el('p', { class: 'muted' }, 'none'),
    el('h2', {}, 'Intrusions per day'), plot,
    el('div', { class: 'cards' },
      [['Top usernames', o.top_usernames], ['Top passwords', o.top_passwords], ['Top commands', o.top_commands]].map(([title, rows]) =>
        el('div', {}, el('h2', {}, title), table(['value', 'n'], rows.map((r) => [mono(r.value), r.n]))))),
    el('h2', {}, 'Recent alerts'), alertsTable(o.recent_alerts, true),
    el('h2', {}, 'Alerts by ATT&CK technique'),
    o.alerts_by_technique.length
      ? table(['technique', 'alerts'], o.alerts_by_technique.map((t) => [link(`#/alerts?technique=${encodeURIComponent(t.technique)}`, t.technique), t.alerts]))
      : el('p', { class: 'muted' }, 'none'));
  main().replaceChildren(page);
  // Every one of the last 30 days, the days without intrusions as 0.
  const counts = new Map(o.intrusions_per_day.map((d) => [d.day, d.intrusions]));
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const xs = [];
  const ys = [];
  for (let i = 29; i >= 0; i--) {
    const t = today - i * 86400000;
    xs.push(t / 1000);
    ys.push(counts.get(new Date(t).toISOString().slice(0, 10)) || 0);
  }
  new uPlot({ width: 640, height: 200,
    series: [{}, { label: 'intrusions', stroke: '#1f3b4d', fill: 'rgba(31,59,77,0.15)', paths: uPlot.paths.bars({ size: [0.8] }) }],
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } } }, [xs, ys], plot);
}

// "attack.t1053.003" -> "T1053.003"; other tags are not techniques.
const techniques = (tags) => (tags || []).filter((t) => /^attack\.t\d/.test(t)).map((t) => t.slice(7).toUpperCase());
const techniqueLinks = (tags) => techniques(tags).flatMap((t, i) =>
  [i ? ' ' : null, link(`#/alerts?technique=${encodeURIComponent(t)}`, t)]);

// YARA's alerts name a file; live Sigma alerts what the rule saw (the
// command, the file, the peer).
function alertsTable(alerts, withIntrusion) {
  if (!alerts.length) return el('p', { class: 'muted' }, 'none');
  return table(['time', 'severity', 'engine', 'rule', 'ATT&CK', 'what', 'description'].concat(withIntrusion ? ['intrusion'] : []),
    alerts.map((a) => [clock(a.ts), el('span', { class: sevClass(a.severity) }, a.severity), a.engine || 'yara', mono(a.rule),
      el('span', {}, techniqueLinks(a.tags)), mono(a.detail || a.path), a.description]
      .concat(withIntrusion ? [intrusionLink(a.intrusion_id)] : [])));
}

// A listing page's query: its filters as given, one page of `limit`.
function pageQuery(params, limit) {
  const q = new URLSearchParams(params);
  const offset = Number(q.get('offset') || 0);
  q.set('limit', limit);
  return { q, offset };
}

// The filter form of a listing at `route`: submitting it goes to the
// route with the fields that have a value (`fields` text or select,
// `flags` checkboxes), from the first page.
function filterForm(route, fields, flags, inputs) {
  const form = el('form', { class: 'filters', onsubmit: (ev) => {
    ev.preventDefault();
    const n = new URLSearchParams();
    for (const f of fields) { const v = form.elements[f].value.trim(); if (v) n.set(f, v); }
    for (const f of flags) if (form.elements[f].checked) n.set(f, '1');
    location.hash = `${route}?${n.toString()}`;
  } }, inputs, el('button', { type: 'submit' }, 'Search'));
  return form;
}

// "N things; a–b shown ← newer older →" for a page of a listing.
function pageLine(route, q, offset, limit, total, noun) {
  const page = (o) => { const n = new URLSearchParams(q); n.delete('limit'); n.set('offset', Math.max(0, o)); return `${route}?${n.toString()}`; };
  return el('p', {}, `${total} ${noun}; ${total ? offset + 1 : 0}–${Math.min(offset + limit, total)} shown `,
    offset > 0 ? link(page(offset - limit), '← newer') : null, ' ',
    offset + limit < total ? link(page(offset + limit), 'older →') : null);
}

const ALERT_FILTERS = ['severity', 'engine', 'technique', 'intrusion', 'sensor', 'since', 'until'];

async function alerts(params) {
  const limit = 50;
  const { q, offset } = pageQuery(params, limit);
  const r = await api('/api/alerts?' + q.toString());
  const choices = { severity: ['', 'critical', 'high', 'medium', 'low', 'informational'], engine: ['', 'sigma', 'network', 'yara'] };
  const form = filterForm('#/alerts', ALERT_FILTERS, [],
    ALERT_FILTERS.map((f) => el('label', {}, f, el('br'), choices[f]
      ? el('select', { name: f }, choices[f].map((c) => el('option', { value: c, selected: q.get(f) === c ? 'selected' : false }, c || 'any')))
      : el('input', { name: f, value: q.get(f) || '', placeholder: f === 'technique' ? 'T1053' : f === 'since' || f === 'until' ? '2026-11-27T10:00' : '' }))));
  main().replaceChildren(el('div', {},
    el('h1', {}, 'Alerts'), form,
    pageLine('#/alerts', q, offset, limit, r.total, 'alerts'),
    alertsTable(r.alerts, true)));
}

const FILTERS = ['ip', 'user', 'intrusion', 'sensor', 'since', 'until'];

async function sessions(params) {
  const limit = 50;
  const { q, offset } = pageQuery(params, limit);
  const r = await api('/api/sessions?' + q.toString());
  const flags = ['has_download', 'logged_in'];
  const form = filterForm('#/sessions', FILTERS, flags, [
    FILTERS.map((f) => el('label', {}, f, el('br'), el('input', { name: f, value: q.get(f) || '', placeholder: f === 'since' || f === 'until' ? '2026-11-27T10:00' : '' }))),
    flags.map((f) => el('label', {}, el('input', { type: 'checkbox', name: f, checked: q.get(f) ? 'checked' : false }), ' ', f.replace('_', ' ')))]);
  main().replaceChildren(el('div', {},
    el('h1', {}, 'Sessions'), form,
    pageLine('#/sessions', q, offset, limit, r.total, 'sessions'),
    table(['session', 'started', 'source', 'port', 'user', 'password', 'logged in', 'commands', 'downloads', 'tty', 'intrusion', 'sensor'],
      r.sessions.map((s) => [sessionLink(s.id), clock(s.started), `${s.source_ip}:${s.source_port}`, s.port, mono(s.username),
        mono(s.password), s.logged_in ? 'yes' : 'no', s.commands, s.downloads, s.tty ?? '', s.intrusion_id ? intrusionLink(s.intrusion_id) : '',
        s.sensor ? link(`#/sessions?sensor=${encodeURIComponent(s.sensor)}`, s.sensor) : '']))));
}

// One line for a timeline event: what an analyst reads first.
function describe(row) {
  const ev = row.event || {};
  if (row.type === 'capture' && ev.event) {
    const c = ev.event;
    switch (c.type) {
      case 'exec': return `exec ${(c.argv || []).join(' ')}  (uid ${c.uid}, cwd ${c.cwd})`;
      case 'connect': return `connect ${JSON.stringify(c.remote ?? '')}`;
      case 'accept': return `accept ${JSON.stringify(c.remote ?? '')}`;
      case 'file': return `file ${c.op ?? ''} ${c.path ?? ''}`;
      case 'kept': return `kept ${c.path ?? ''} before ${c.syscall ?? ''} (content ${c.content ?? ''})`;
      case 'guest_log': return `log ${c.ident || c.comm || ''}: ${c.message ?? ''}`;
      case 'tty_open': return `terminal ${c.tty ?? ''} opened`;
      case 'tty_close': return `terminal ${c.tty ?? ''} closed`;
      default: return c.type;
    }
  }
  if (row.type === 'login') return `login ${ev.service ?? ''} ${ev.user ?? ''} / ${ev.password ?? ''}: ${ev.success ? 'accepted' : 'rejected'} (${ev.reason ?? ''})`;
  if (row.type === 'connection') return `connection from ${ev.source_ip}:${ev.source_port} to port ${ev.port}`;
  if (row.type === 'connection_closed') return `disconnected (${ev.end ?? ''}; ${ev.bytes_from_client} bytes in, ${ev.bytes_to_client} out)`;
  return row.type;
}

function filesTable(files) {
  if (!files.length) return el('p', { class: 'muted' }, 'none');
  return table(['change', 'path', 'size', 'mode', 'type', 'sha256', ''],
    files.map((f) => [f.change, mono(f.path), f.size ?? '', f.mode ?? '', f.file_type ?? '', mono(f.sha256 ? f.sha256.slice(0, 16) : ''),
      f.evidence && f.sha256 ? link(`/api/evidence/${encodeURIComponent(f.sha256)}`, 'download') : '']));
}

function artefactLinks(intrusionId, artefacts, kinds) {
  const rows = artefacts.filter((a) => kinds.includes(a.kind));
  if (!rows.length) return el('p', { class: 'muted' }, 'none');
  return el('ul', {}, rows.map((a) => el('li', {},
    link(`/api/intrusions/${encodeURIComponent(intrusionId)}/artefacts/${Number(a.id)}`, a.path), ` (${a.kind}, ${a.size} bytes)`)));
}

let player = null;
function mountPlayer(container, sessionId, opts) {
  if (player) { player.dispose(); player = null; }
  container.replaceChildren();
  player = AsciinemaPlayer.create({ url: `/api/sessions/${Number(sessionId)}/cast` }, container,
    { fit: 'width', idleTimeLimit: 2, terminalFontSize: '14px', ...opts });
}

async function session(id, live) {
  const d = await api(`/api/sessions/${Number(id)}`);
  const s = d.session;
  const open = !s.ended;
  const playerBox = el('div', { class: 'player', id: 'player' });
  // sshd's and the C library's bookkeeping is marked by the API and left
  // out unless asked for, as in `oyster show`.
  const timelineBox = el('div', {});
  const hidden = d.timeline.filter((r) => r.bookkeeping).length;
  // A live Sigma alert marks the capture record that raised it.
  const raised = new Map();
  for (const a of d.intrusion_alerts) {
    if (a.engine === 'sigma' && a.seq != null) raised.set(a.seq, (raised.get(a.seq) || []).concat([a]));
  }
  const marks = (r) => {
    const seq = r.type === 'capture' && r.event.event ? r.event.event.seq : undefined;
    return (raised.get(seq) || []).map((a) => el('div', { class: `alert-mark ${sevClass(a.severity)}` }, `⚑ ${a.rule}`));
  };
  const renderTimeline = (all) => timelineBox.replaceChildren(
    table(['time', 'what'], d.timeline.filter((r) => all || !r.bookkeeping).map((r) => [clock(r.time), el('td', { class: 'mono' }, describe(r), marks(r))])));
  renderTimeline(false);
  main().replaceChildren(el('div', {},
    el('h1', {}, `Session #${s.id}${live ? ' (live)' : ''}`),
    el('p', {}, `${s.source_ip}:${s.source_port} → port ${s.port}, ${clock(s.started)} – ${s.ended ? clock(s.ended) : 'open'}; `,
      s.logged_in ? `logged in as ${s.username ?? ''}` : 'not logged in', `; intrusion `, s.intrusion_id ? intrusionLink(s.intrusion_id) : '—',
      open && s.tty ? el('span', {}, ' · ', link(`#/live/${Number(s.id)}`, 'watch live')) : null),
    el('h2', {}, 'Terminal'), s.tty ? playerBox : el('p', { class: 'muted' }, 'no terminal (commands run without a tty)'),
    el('h2', {}, 'Timeline'),
    hidden ? el('label', { class: 'muted' }, el('input', { type: 'checkbox', id: 'show-all', onchange: (ev) => renderTimeline(ev.target.checked) }),
      ` also show ${hidden} bookkeeping records (privilege drops, local sockets, utmp)`) : null,
    timelineBox,
    el('h2', {}, 'Alerts (this intrusion)'), alertsTable(d.intrusion_alerts, false),
    el('h2', {}, 'Files (this intrusion)'), filesTable(d.intrusion_files.filter((f) => f.change !== 'executed' || !f.in_base_image)),
    el('h2', {}, 'Packet captures'), artefactLinks(s.intrusion_id, d.intrusion_artefacts, ['pcap'])));
  if (s.tty) mountPlayer(playerBox, s.id, { autoPlay: true, speed: live ? 1 : 2 });
  if (live) watchLive(s.id, playerBox);
}

// A live session: the recording is fetched again every 3 s, and when it
// grew the player starts over at its new end.
let liveTimer = null;
function watchLive(id, box) {
  let size = -1;
  const poll = async () => {
    if (location.hash !== `#/live/${Number(id)}`) { clearInterval(liveTimer); liveTimer = null; return; }
    const r = await fetch(`/api/sessions/${Number(id)}/cast`, { credentials: 'same-origin' });
    if (!r.ok) return;
    const text = await r.text();
    if (text.length === size) return;
    size = text.length;
    const lines = text.trim().split('\n');
    let last = 0;
    try { last = JSON.parse(lines[lines.length - 1])[0] || 0; } catch (e) { last = 0; }
    mountPlayer(box, id, { autoPlay: true, startAt: Math.max(0, Math.floor(last) - 1) });
  };
  clearInterval(liveTimer);
  liveTimer = setInterval(poll, 3000);
}

async function intrusions() {
  const r = await api('/api/intrusions?limit=100');
  main().replaceChildren(el('div', {}, el('h1', {}, 'Intrusions'),
    table(['intrusion', 'source', 'opened', 'closed', 'sessions', 'logins', 'commands', 'files', 'alerts', 'sensor'],
      r.intrusions.map((i) => [intrusionLink(i.id), i.source_ip, clock(i.opened), i.closed ? clock(i.closed) : 'open', i.sessions,
        i.logins, i.commands, i.files_changed ?? '', i.alerts ?? '', i.sensor ?? '']))));
}

async function intrusion(id) {
  const d = await api(`/api/intrusions/${encodeURIComponent(id)}`);
  const i = d.intrusion;
  main().replaceChildren(el('div', {},
    el('h1', {}, `Intrusion ${i.id}`),
    el('p', {}, `${i.source_ip} in guest ${i.guest_id}, ${clock(i.opened)} – ${i.closed ? clock(i.closed) + ' (' + (i.close_reason ?? '') + ')' : 'open'}`),
    i.analysed ? null : el('p', { class: 'muted' }, 'Not analysed yet: the files are analysed when the guest stops.'),
    el('h2', {}, 'Alerts'), alertsTable(d.alerts, false),
    el('h2', {}, 'Files added, changed, deleted and kept'), filesTable(d.files.filter((f) => f.change !== 'executed')),
    el('h2', {}, 'Programs executed (not in the base image)'), filesTable(d.files.filter((f) => f.change === 'executed' && !f.in_base_image)),
    el('h2', {}, 'Sessions'),
    table(['session', 'started', 'source', 'user', 'commands', 'tty'],
      d.sessions.map((s) => [sessionLink(s.id), clock(s.started), `${s.source_ip}:${s.source_port}`, mono(s.username), s.commands, s.tty ?? ''])),
    el('h2', {}, 'Artefacts'), artefactLinks(i.id, d.artefacts, ['pcap', 'asciicast', 'tty_log', 'capture', 'capture_events', 'mail', 'console'])));
}

// ---------------------------------------------------------------- routing

async function route() {
  const hash = location.hash || '#/overview';
  const [path, query] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  document.getElementById('nav').hidden = false;
  try {
    if (parts[0] === 'sessions') await sessions(query || '');
    else if (parts[0] === 'session' && parts[1]) await session(parts[1], false);
    else if (parts[0] === 'live' && parts[1]) await session(parts[1], true);
    else if (parts[0] === 'intrusions') await intrusions();
    else if (parts[0] === 'alerts') await alerts(query || '');
    else if (parts[0] === 'intrusion' && parts[1]) await intrusion(decodeURIComponent(parts[1]));
    else await overview();
  } catch (e) {
    if (e instanceof Unauthorized) showLogin();
    else main().replaceChildren(el('p', { class: 'error' }, `Error: ${e.message}`));
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('logout').addEventListener('click', async () => {
    await fetch('/api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' } });
    showLogin();
  });
  window.addEventListener('hashchange', route);
  route();
});
