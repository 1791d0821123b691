// Vigil's console. Every string from the store is attacker-controlled (argv, paths, comm, DNS
// names): it only ever reaches the page through textContent or a graph label, never as HTML.
// Pages are addressed by the URL's hash (#incidents?priority=ERROR, #incident/ID, #process/ID…),
// so the back button and links work; the lists and the open incident refresh themselves.
'use strict';
const $ = (id) => document.getElementById(id);
const VIEWS = ['login', 'incidents', 'alerts', 'incident', 'process', 'events', 'rules', 'hosts', 'health'];
const REFRESH_MS = 3000;
let token = sessionStorage.getItem('vigil_token') || '';
let timer = null;
let shown = null; // what the open page last drew, so a refresh redraws only on a change

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
  if (r.status === 401) { logout('The token was not accepted.'); throw new Error('401'); }
  if (!r.ok) {
    let why = path + ': ' + r.status;
    try { why = (await r.json()).error || why; } catch (e) { /* not JSON */ }
    throw new Error(why);
  }
  return r.json();
}

function show(id) {
  for (const s of VIEWS) { $(s).hidden = s !== id; }
  $('logout').hidden = id === 'login';
  $('nav').hidden = id === 'login';
  $('live').hidden = id === 'login';
  $('filter').hidden = id !== 'incidents' && id !== 'alerts';
  for (const a of document.querySelectorAll('#nav a')) { a.classList.toggle('here', a.dataset.view === id); }
}

function time(ns) { return ns ? new Date(Number(ns) / 1e6).toISOString().replace('T', ' ').replace('Z', '') : ''; }

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) { td.className = cls; }
  tr.appendChild(td);
  return td;
}

function row(body, cells, href, cls) {
  const tr = document.createElement('tr');
  for (const c of cells) { Array.isArray(c) ? cell(tr, c[0], c[1]) : cell(tr, c); }
  if (href) { tr.addEventListener('click', () => { location.hash = href; }); tr.classList.add('link'); }
  if (cls) { tr.classList.add(cls); }
  body.appendChild(tr);
  return tr;
}

function link(text, href) {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href;
  return a;
}

/** A container as a person reads it: name (image, runtime[, privileged][, pod]) and its id. */
function containerText(c) {
  const what = [c.image, c.runtime, c.privileged ? 'privileged' : '', c.pod ? 'pod ' + c.pod : ''].filter(Boolean).join(', ');
  return (c.name || c.id) + (what ? ' (' + what + ')' : '') + (c.name ? ' ' + c.id : '');
}

function cmdline(n) { return Array.isArray(n.args) ? n.args.join(' ') : (n.argv || n.exe || ''); }

// what an event is about, from the catalogue (catalogue.js): the command line, its path, the name asked, its peer
function summary(e) {
  const k = (typeof CATALOGUE !== 'undefined' && CATALOGUE[e.event]) || {};
  if (e.event === 'k8s_audit') { // a Kubernetes request: who did what to which object, and the answer
    const what = (e.resource || '') + (e.subresource ? '/' + e.subresource : '');
    const obj = [e.target_namespace, e.target_name].filter(Boolean).join('/');
    return [e.k8s_user, e.verb, what, obj, e.response_code != null ? '→ ' + e.response_code : ''].filter(Boolean).join(' ');
  }
  return (e.args ? e.args.join(' ') : '') || (k.path ? e[k.path] : '') || e.query
    || (k.peer && e.dip ? e.dip + ':' + e.dport : '') || '';
}

// ---- filters: the form and the hash's query string say the same thing ----

function params() {
  const h = location.hash;
  return new URLSearchParams(h.includes('?') ? h.slice(h.indexOf('?') + 1) : '');
}

function localInput(ns) {
  const d = new Date(Number(ns) / 1e6);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function formToQuery(form) {
  const q = new URLSearchParams();
  for (const el of form.elements) {
    if (!el.name || !el.value.trim()) { continue; }
    q.set(el.name, el.type === 'datetime-local' ? String(new Date(el.value).getTime() * 1e6) : el.value.trim());
  }
  return q;
}

function queryToForm(form, q) {
  for (const el of form.elements) {
    if (!el.name) { continue; }
    const v = q.get(el.name) || '';
    el.value = el.type === 'datetime-local' && v ? localInput(v) : v;
  }
}

$('filter').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const view = location.hash.startsWith('#alerts') ? 'alerts' : 'incidents';
  location.hash = view + '?' + formToQuery($('filter')).toString();
});
$('filter').addEventListener('reset', () => {
  location.hash = location.hash.startsWith('#alerts') ? 'alerts' : 'incidents';
});
$('event-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  location.hash = 'events?' + formToQuery($('event-form')).toString();
});

// ---- pages ----

async function listIncidents(q) {
  q.set('limit', q.get('limit') || '200');
  const rows = await api('/api/incidents?' + q.toString());
  // rows that arrived since the page was opened stay marked until it is opened again
  const before = shown && shown.view === 'incidents' ? shown.first : null;
  const body = $('incident-rows');
  body.replaceChildren();
  for (const i of rows) {
    row(body, [time(i.last_ts), [i.severity, 'sev-' + i.severity], i.title, String(i.alert_count), (i.techniques || []).join(', '),
      (i.hosts || []).join(', ')], 'incident/' + encodeURIComponent(i.id), before && !before.has(i.id) ? 'new' : null).dataset.id = i.id;
  }
  shown = { view: 'incidents', first: before || new Set(rows.map((i) => i.id)) };
}

async function listAlerts(q) {
  q.set('limit', q.get('limit') || '200');
  const rows = await api('/api/alerts?' + q.toString());
  // rows that arrived since the page was opened stay marked until it is opened again
  const before = shown && shown.view === 'alerts' ? shown.first : null;
  const body = $('alert-rows');
  body.replaceChildren();
  for (const a of rows) {
    const e = (a.events || [])[0] || {};
    const what = a.kind === 'folded' ? a.count + ' repeats folded into an earlier alert' : (a.output || '').slice(0, 200);
    row(body, [time(a.ts), [a.priority, 'sev-' + a.priority], a.rule, e.comm ? e.comm + ' (' + e.pid + ')' : '', what, a.host],
      a.incident_id ? 'incident/' + encodeURIComponent(a.incident_id) : null, before && !before.has(a.id) ? 'new' : null);
  }
  shown = { view: 'alerts', first: before || new Set(rows.map((a) => a.id)) };
}

async function openIncident(id, refresh) {
  const t0 = performance.now();
  const inc = await api('/api/incidents/' + encodeURIComponent(id));
  const stamp = inc.alert_count + '/' + inc.last_ts + '/' + $('expand').checked;
  if (refresh && shown && shown.view === 'incident' && shown.id === id && shown.stamp === stamp) { return; }
  const everything = $('expand').checked;
  const g = await api('/api/incidents/' + encodeURIComponent(id) + '/graph' + (everything ? '?expand=all' : ''));
  shown = { view: 'incident', id: id, stamp: stamp };
  $('incident-title').textContent = inc.title;
  $('export').onclick = (ev) => { ev.preventDefault(); exportIncident(id); };
  $('incident-meta').textContent = inc.severity + ' · ' + inc.alert_count + ' alerts · ' + time(inc.first_ts) + ' → ' + time(inc.last_ts)
    + ' · ' + (inc.techniques || []).join(', ') + ' · ' + (inc.hosts || []).join(', ');
  const list = $('alert-list');
  list.replaceChildren();
  for (const a of inc.alerts) {
    const li = document.createElement('li');
    li.textContent = time(a.ts) + ' ' + a.priority + ' ' + a.rule
      + (a.kind === 'folded' ? ' — ' + a.count + ' more like it, folded' : ': ' + a.output);
    list.appendChild(li);
  }
  draw(g);
  // for `vigil bench`: how long from the page's load, and from asking, until the graph is on screen
  requestAnimationFrame(() => {
    window.vigilGraphDrawn = { sinceLoad: performance.now(), open: performance.now() - t0, nodes: g.nodes.length };
  });
}

function draw(g) {
  const elements = [];
  for (const n of g.nodes) {
    let label = n.label || n.id;
    if (n.kind === 'process') {
      label = (n.entry ? 'entry: ' : '') + n.label + ' (' + n.pid + ')' + (n.user ? ' ' + n.user : '') + '\n' + cmdline(n).slice(0, 80)
        + (n.container ? '\n▣ ' + containerText(n.container) : '')
        + (n.ended_ts ? '\nexit ' + n.exit_code : '') + (n.rules ? '\n⚠ ' + n.rules.join(', ') : '');
    }
    elements.push({ data: { id: n.id, label: label, kind: n.kind, alert: n.rules ? 'yes' : 'no', entry: n.entry ? 'yes' : 'no',
      contained: n.container ? 'yes' : 'no', raw: n } });
  }
  for (const e of g.edges) {
    elements.push({ data: { id: e.from + '>' + e.to + '>' + e.label, source: e.from, target: e.to, label: e.label } });
  }
  const cy = cytoscape({
    container: $('graph'),
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'text-wrap': 'wrap', 'text-max-width': 260, 'font-size': 10,
        'text-valign': 'bottom', 'background-color': '#6b7c93', width: 18, height: 18 } },
      { selector: 'node[kind = "process"][alert = "yes"]', style: { 'background-color': '#d0021b', width: 26, height: 26, color: '#b00020' } },
      { selector: 'node[contained = "yes"]', style: { 'border-width': 3, 'border-color': '#0db7ed' } },
      { selector: 'edge[label ^= "spawned into container"], edge[label ^= "spawned on the host"], edge[label *= "(host file"]',
        style: { 'line-color': '#d0021b', 'target-arrow-color': '#d0021b', 'line-style': 'dashed', width: 2.5, color: '#b00020' } },
      { selector: 'node[entry = "yes"]', style: { shape: 'star', 'background-color': '#1d2733', width: 24, height: 24 } },
      { selector: 'node[kind = "process_group"]', style: { shape: 'round-rectangle', 'background-color': '#9aa8bb' } },
      { selector: 'node[kind = "file"]', style: { shape: 'rectangle', 'background-color': '#f5a623' } },
      { selector: 'node[kind = "peer"]', style: { shape: 'diamond', 'background-color': '#4a90e2' } },
      { selector: 'node[kind = "dns"]', style: { shape: 'hexagon', 'background-color': '#7ed321' } },
      { selector: 'node[kind = "k8s_user"]', style: { shape: 'star', 'background-color': '#326ce5' } },
      { selector: 'node[kind = "pod"]', style: { shape: 'round-rectangle', 'background-color': '#326ce5' } },
      { selector: 'node[kind = "http_request"]', style: { shape: 'tag', 'background-color': '#8b572a' } },
      { selector: 'node[kind = "java_handler"]', style: { shape: 'round-rectangle', 'background-color': '#e76f00' } },
      { selector: 'edge', style: { width: 1.5, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', label: 'data(label)',
        'font-size': 8, color: '#667', 'line-color': '#aab', 'target-arrow-color': '#aab' } },
    ],
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.1, padding: 20 },
  });
  $('node-json').textContent = '';
  $('node-process').hidden = true;
  $('node-events').replaceChildren();
  cy.on('tap', 'node', async (ev) => {
    const raw = ev.target.data('raw');
    $('node-json').textContent = JSON.stringify(raw, null, 2);
    $('node-process').hidden = raw.kind !== 'process';
    $('node-process').href = '#process/' + encodeURIComponent(raw.id);
    const list = $('node-events');
    list.replaceChildren();
    if (raw.kind === 'process') {
      for (const e of await api('/api/events?limit=50&process=' + encodeURIComponent(raw.id))) {
        const li = document.createElement('li');
        li.textContent = time(e.ts).slice(11) + ' ' + e.event + ' ' + summary(e);
        list.appendChild(li);
      }
    }
  });
  window.vigilGraph = cy;
}

async function openProcess(id) {
  const p = await api('/api/processes/' + encodeURIComponent(id));
  shown = { view: 'process', id: id };
  $('process-title').textContent = p.comm + ' (' + p.pid + ')';
  const facts = $('process-facts');
  facts.replaceChildren();
  for (const [k, v] of [['command line', cmdline(p)], ['program', p.exe], ['user', p.uid === undefined ? (p.user || 'not seen') : (p.user || '') + ' (' + p.uid + ')'], ['host', p.host],
    ['started', time(p.started_ts)], ['ended', p.ended_ts ? time(p.ended_ts) + ', exit ' + p.exit_code : 'running, or its exit was not seen'],
    ['container', p.container ? containerText(p.container) : 'none: on the host'], ['process id', p.exec_id]]) {
    row(facts, [k, v || '']);
  }
  // the ancestry reads from the oldest down to this process; each step is a link
  const chain = $('process-ancestry');
  chain.replaceChildren();
  for (const a of [...p.ancestors].reverse()) {
    chain.appendChild(link(a.comm + ' (' + a.pid + ')', '#process/' + encodeURIComponent(a.exec_id)));
    chain.appendChild(document.createTextNode(' → '));
  }
  const me = document.createElement('strong');
  me.textContent = p.comm + ' (' + p.pid + ')';
  chain.appendChild(me);
  const kids = $('process-children');
  kids.replaceChildren();
  for (const c of p.children) {
    row(kids, [time(c.started_ts), String(c.pid), cmdline(c), c.user || '', c.ended_ts ? String(c.exit_code) : ''],
      'process/' + encodeURIComponent(c.exec_id));
  }
  for (const [body, list, key] of [[$('process-files'), p.files, 'path'], [$('process-peers'), p.peers, 'peer']]) {
    body.replaceChildren();
    for (const f of list) { row(body, [f[key], f.did.join(', ')]); }
  }
  const evs = $('process-events');
  evs.replaceChildren();
  for (const e of p.events) { row(evs, [time(e.ts), e.event, summary(e)]); }
}

async function searchEvents(q) {
  queryToForm($('event-form'), q);
  q.set('limit', '200');
  const rows = await api('/api/events?' + q.toString());
  const body = $('event-rows');
  body.replaceChildren();
  for (const e of rows) {
    row(body, [time(e.ts), e.event, e.comm || '', e.pid == null ? '' : String(e.pid), summary(e), e.nodename || ''],
      e.exec_id ? 'process/' + encodeURIComponent(e.exec_id) : null);
  }
}

// the filter's rule field offers the names of the rules there are
function offerRuleNames(rules) {
  const names = $('rule-names');
  names.replaceChildren();
  for (const r of rules) { const o = document.createElement('option'); o.value = r.name; names.appendChild(o); }
}

async function listRules() {
  const rules = await api('/api/rules');
  shown = { view: 'rules' };
  offerRuleNames(rules);
  const body = $('rule-rows');
  body.replaceChildren();
  const needle = $('rule-search').value.trim().toLowerCase();
  rules.sort((a, b) => (b.hits - a.hits) || a.name.localeCompare(b.name));
  for (const r of rules) {
    const tags = r.tags || [];
    if (needle && !(r.name.toLowerCase().includes(needle) || tags.some((t) => t.toLowerCase().includes(needle)))) { continue; }
    row(body, [r.name + (r.loaded ? '' : ' (not loaded now)'), r.kind || '', [r.priority || '', 'sev-' + r.priority],
      tags.filter((t) => /^T\d{4}/.test(t)).join(', '), String(r.hits), String(r.alerts), time(r.last_ts), r.errors ? String(r.errors) : '',
      r.source || ''], 'alerts?rule=' + encodeURIComponent(r.name), r.hits ? null : 'quiet');
  }
}
$('rule-search').addEventListener('input', () => listRules().catch(fail));

async function showHealth() {
  const h = await api('/api/health');
  const body = $('health-rows');
  body.replaceChildren();
  $('nav-hosts').hidden = !h.hosts;
  delete h.hosts;
  for (const [k, v] of Object.entries(h)) {
    row(body, [k, typeof v === 'object' && v !== null ? Object.entries(v).map(([a, b]) => a + ' ' + b).join(', ') : String(v)]);
  }
}

// a fleet server's hosts, each with its last heartbeat; silent ones (two heartbeats overdue) stand out
async function showHosts() {
  const h = await api('/api/health');
  const hosts = h.hosts || {};
  $('nav-hosts').hidden = !h.hosts;
  const body = $('hosts-rows');
  body.replaceChildren();
  for (const [name, b] of Object.entries(hosts)) {
    const age = Math.round((Date.now() - b.received_ms) / 1000);
    const lost = b.lost_by_cause ? Object.entries(b.lost_by_cause).filter(([, n]) => n > 0).map(([c, n]) => c + ' ' + n).join(', ') : '';
    const tr = row(body, [name, (b.silent ? 'silent: ' : '') + age + ' s ago', b.version || '', b.kernel || '', b.hooks || '',
      b.events_per_s == null ? '' : String(Math.round(b.events_per_s)), String(b.lost ?? '') + (lost ? ' (' + lost + ')' : ''),
      String(b.suppressed ?? ''), (b.published ?? '') + ' / ' + (b.publish_failed ?? '') + (b.spool_dropped ? ' (' + b.spool_dropped + ' dropped from a full spool)' : ''),
      b.cpu_ns ? Math.round(b.cpu_ns / 1e9) + ' s' : '', b.rss_bytes ? Math.round(b.rss_bytes / 1048576) + ' MiB' : '',
      String(b.alerts ?? '')],
    'alerts?host=' + encodeURIComponent(name), b.silent ? 'silent' : null);
    tr.dataset.host = name;
  }
  if (!body.children.length) { row(body, ['No heartbeat yet: this console is not a fleet server, or no agent has reported.']); }
}

async function exportIncident(id) {
  const r = await fetch('/api/incidents/' + encodeURIComponent(id) + '/export', { headers: { Authorization: 'Bearer ' + token } });
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'incident-' + id + '.json';
  a.click();
}

// ---- routing and live updates ----

function fail(e) { if (e.message !== '401') { $('list-error').textContent = e.message; } }

async function route(refresh) {
  if (!token) { show('login'); return; }
  const h = location.hash.replace(/^#/, '');
  const [path] = h.split('?');
  const slash = path.indexOf('/');
  const view = (slash < 0 ? path : path.slice(0, slash)) || 'incidents';
  const id = slash < 0 ? null : decodeURIComponent(path.slice(slash + 1));
  if (!refresh) { $('list-error').textContent = ''; shown = null; }
  show(VIEWS.includes(view) && view !== 'login' ? view : 'incidents');
  if (view === 'incidents' || view === 'alerts') { queryToForm($('filter'), params()); }
  switch (view) {
    case 'alerts': await listAlerts(params()); break;
    case 'incident': await openIncident(id, refresh); break;
    case 'process': if (!refresh) { await openProcess(id); } break;
    case 'events': if (!refresh) { await searchEvents(params()); } break;
    case 'rules': if (!refresh) { await listRules(); } break;
    case 'hosts': await showHosts(); break;
    case 'health': await showHealth(); break;
    default: await listIncidents(params());
  }
  $('live').textContent = 'live · ' + new Date().toLocaleTimeString();
}

// the Hosts page is a fleet server's: offered when the health says there are hosts
function offerHosts() { api('/api/health').then((h) => { $('nav-hosts').hidden = !h.hosts; }).catch(() => {}); }

function startLive() {
  offerHosts();
  if (!timer) { timer = setInterval(() => route(true).catch(fail), REFRESH_MS); }
}

function logout(why) {
  token = '';
  sessionStorage.removeItem('vigil_token');
  if (timer) { clearInterval(timer); timer = null; }
  $('login-error').textContent = why || '';
  show('login');
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  token = $('token').value.trim();
  try {
    await api('/api/incidents?limit=1');
    sessionStorage.setItem('vigil_token', token);
    api('/api/rules').then(offerRuleNames).catch(() => {});
    await route(false);
    startLive();
  } catch (e) { fail(e); }
});
$('logout').addEventListener('click', () => logout(''));
$('expand').addEventListener('change', () => route(false).catch(fail));
window.addEventListener('hashchange', () => route(false).catch(fail));

if (token) { route(false).then(startLive).catch(fail); } else { show('login'); }
