// Vigil's console. Every string from the store is attacker-controlled (argv, paths, comm, DNS
// names): it only ever reaches the page through textContent or a graph label, never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('vigil_token') || '';
let timer = null;

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token } });
  if (r.status === 401) { logout('The token was not accepted.'); throw new Error('401'); }
  if (!r.ok) { throw new Error(path + ': ' + r.status); }
  return r.json();
}

function show(id) {
  for (const s of ['login', 'incidents', 'incident', 'events', 'health']) { $(s).hidden = s !== id; }
  $('logout').hidden = id === 'login';
  $('nav').hidden = id === 'login';
}

function summary(e) {
  return e.file_path || e.file || e.filename || (e.args ? e.args.join(' ') : '') || e.query
    || (e.dip ? e.dip + ':' + e.dport : '') || '';
}

async function searchEvents() {
  const q = new URLSearchParams({ limit: '200' });
  if ($('ev-type').value.trim()) { q.set('type', $('ev-type').value.trim()); }
  if ($('ev-exec').value.trim()) { q.set('exec_id', $('ev-exec').value.trim()); }
  const rows = await api('/api/events?' + q.toString());
  const body = $('event-rows');
  body.replaceChildren();
  for (const e of rows) {
    const tr = document.createElement('tr');
    cell(tr, time(e.ts));
    cell(tr, e.event);
    cell(tr, e.comm || '');
    cell(tr, String(e.pid));
    cell(tr, summary(e));
    body.appendChild(tr);
  }
}

async function showHealth() {
  const h = await api('/api/health');
  const body = $('health-rows');
  body.replaceChildren();
  for (const [k, v] of Object.entries(h)) {
    const tr = document.createElement('tr');
    cell(tr, k);
    cell(tr, typeof v === 'object' ? Object.entries(v).map(([a, b]) => a + ' ' + b).join(', ') : String(v));
    body.appendChild(tr);
  }
}

for (const a of document.querySelectorAll('#nav a')) {
  a.addEventListener('click', async (ev) => {
    ev.preventDefault();
    const v = a.dataset.view;
    if (v === 'incidents') { location.hash = ''; start(); return; }
    if (timer) { clearInterval(timer); timer = null; }
    show(v);
    if (v === 'events') { await searchEvents(); }
    if (v === 'health') { await showHealth(); }
  });
}
$('event-form').addEventListener('submit', (ev) => { ev.preventDefault(); searchEvents(); });

async function exportIncident(id) {
  const r = await fetch('/api/incidents/' + encodeURIComponent(id) + '/export', { headers: { Authorization: 'Bearer ' + token } });
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'incident-' + id + '.json';
  a.click();
}

function logout(why) {
  token = '';
  sessionStorage.removeItem('vigil_token');
  if (timer) { clearInterval(timer); timer = null; }
  $('login-error').textContent = why || '';
  show('login');
}

function time(ns) { return new Date(Number(ns) / 1e6).toISOString().replace('T', ' ').replace('Z', ''); }

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) { td.className = cls; }
  tr.appendChild(td);
}

async function listIncidents() {
  const rows = await api('/api/incidents?limit=200');
  const body = $('incident-rows');
  body.replaceChildren();
  for (const i of rows) {
    const tr = document.createElement('tr');
    tr.dataset.id = i.id;
    cell(tr, time(i.last_ts));
    cell(tr, i.severity, 'sev-' + i.severity);
    cell(tr, i.title);
    cell(tr, String(i.alert_count));
    cell(tr, (i.techniques || []).join(', '));
    cell(tr, (i.hosts || []).join(', '));
    tr.addEventListener('click', () => openIncident(i.id));
    body.appendChild(tr);
  }
}

function cmdline(n) { return Array.isArray(n.args) ? n.args.join(' ') : (n.exe || ''); }

async function openIncident(id) {
  if (timer) { clearInterval(timer); timer = null; }
  const inc = await api('/api/incidents/' + encodeURIComponent(id));
  const g = await api('/api/incidents/' + encodeURIComponent(id) + '/graph');
  show('incident');
  location.hash = 'incident/' + encodeURIComponent(id);
  $('incident-title').textContent = inc.title;
  $('export').onclick = (ev) => { ev.preventDefault(); exportIncident(id); };
  $('incident-meta').textContent = inc.severity + ' · ' + inc.alert_count + ' alerts · ' + time(inc.first_ts) + ' → ' + time(inc.last_ts)
    + ' · ' + (inc.techniques || []).join(', ') + ' · ' + (inc.hosts || []).join(', ');
  const list = $('alert-list');
  list.replaceChildren();
  for (const a of inc.alerts) {
    const li = document.createElement('li');
    li.textContent = time(a.ts) + ' ' + a.priority + ' ' + a.rule + (a.kind === 'folded' ? '' : ': ' + a.output);
    list.appendChild(li);
  }
  draw(g);
}

function draw(g) {
  const elements = [];
  for (const n of g.nodes) {
    let label = n.label || n.id;
    if (n.kind === 'process') { label = n.label + ' (' + n.pid + ')\n' + cmdline(n).slice(0, 80) + (n.rules ? '\n⚠ ' + n.rules.join(', ') : ''); }
    elements.push({ data: { id: n.id, label: label, kind: n.kind, alert: n.rules ? 'yes' : 'no', raw: n } });
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
      { selector: 'node[kind = "process_group"]', style: { shape: 'round-rectangle', 'background-color': '#9aa8bb' } },
      { selector: 'node[kind = "file"]', style: { shape: 'rectangle', 'background-color': '#f5a623' } },
      { selector: 'node[kind = "peer"]', style: { shape: 'diamond', 'background-color': '#4a90e2' } },
      { selector: 'node[kind = "dns"]', style: { shape: 'hexagon', 'background-color': '#7ed321' } },
      { selector: 'edge', style: { width: 1.5, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', label: 'data(label)',
        'font-size': 8, color: '#667', 'line-color': '#aab', 'target-arrow-color': '#aab' } },
    ],
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.1, padding: 20 },
  });
  cy.on('tap', 'node', (ev) => { $('node-json').textContent = JSON.stringify(ev.target.data('raw'), null, 2); });
  window.vigilGraph = cy;
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  token = $('token').value.trim();
  try {
    await api('/api/incidents?limit=1');
    sessionStorage.setItem('vigil_token', token);
    start();
  } catch (e) { /* logout() said why */ }
});
$('logout').addEventListener('click', () => logout(''));
$('back').addEventListener('click', (ev) => { ev.preventDefault(); location.hash = ''; start(); });

async function start() {
  show('incidents');
  await listIncidents();
  if (!timer) { timer = setInterval(() => listIncidents().catch(() => {}), 5000); }
  const m = location.hash.match(/^#incident\/(.+)$/);
  if (m) { openIncident(decodeURIComponent(m[1])); }
}

if (token) { start().catch(() => {}); } else { show('login'); }
