// svweb dashboard: service table with live updates (SSE), filters, control buttons, live log tail and console.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const rowsEl = $('rows');
  const services = new Map(); // name -> { v, tr, cells }
  let filter = 'all';
  let query = '';
  let readOnly = true;
  let selected = null;
  let clockSkew = 0; // server now - client now, seconds

  const now = () => Date.now() / 1000 + clockSkew;
  const SIGNALS = [['hup', 'HUP'], ['int', 'INT'], ['term', 'TERM'], ['quit', 'QUIT'], ['usr1', 'USR1'], ['usr2', 'USR2'], ['alrm', 'ALRM'], ['kill', 'KILL'], ['pause', 'STOP (pause)'], ['cont', 'CONT'], ['killgroup', 'KILL group']];

  function duration(s) {
    s = Math.max(0, Math.floor(s));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
    if (m) return `${m}m ${String(x).padStart(2, '0')}s`;
    return `${x}s`;
  }

  /** Coarse class of a service: up, down, failing or transitional. */
  function kind(v) {
    if (v.state === 'unknown' || v.gaveUp) return 'failing';
    if (v.want === 'up' && v.quickDeaths >= 2) return 'failing'; // crash loop
    if (!v.up && v.want === 'up') return 'failing'; // wants up but is not: crash loop / backoff
    if (v.up) return v.state === 'stopping' ? 'stopping' : 'up';
    return v.state === 'finishing' ? 'finishing' : 'down';
  }

  function stateBadge(v) {
    const k = kind(v);
    let text = v.state === 'unknown' ? 'unknown' : v.gaveUp ? 'gave up' : v.paused ? 'paused' : v.state;
    if (k === 'failing' && v.state === 'starting') text = v.backoff ? 'backoff' : 'restarting';
    if (k === 'failing' && v.up) text = 'crashing';
    const cls = k === 'up' ? 'up' : k === 'failing' ? 'bad' : k === 'down' ? '' : 'warn';
    return [text, cls];
  }

  function exitText(v) {
    const e = v.lastExit;
    if (!e) return ['', false];
    if (e.signal) return [e.signal, !/^SIG(TERM|INT|HUP)$/.test(e.signal)];
    if (e.code === null) return ['?', false];
    return [String(e.code), e.code !== 0];
  }

  function notes(v) {
    const out = [];
    if (v.error) out.push(v.error);
    if (v.gaveUp) out.push(`gave up after ${v.quickDeaths} quick deaths`);
    else if (v.quickDeaths >= 2) out.push(`crash loop: ${v.quickDeaths} quick deaths`);
    else if (!v.up && v.nextStart && v.want === 'up') out.push(`${v.backoff ? 'backoff' : 'restart'} in ${Math.max(0, Math.ceil(v.nextStart - now()))}s`);
    if (v.want === 'once') out.push('once');
    if (v.up && v.want === 'down') out.push('want down');
    if (!v.up && v.want === 'up' && !v.nextStart && v.state === 'down') out.push('want up');
    if (v.normallyUp === false && !v.up) out.push('normally down');
    return out.join(', ');
  }

  // one template for every row's buttons (cloned: 1000 rows build fast); signals come from one shared menu
  const actionsTemplate = document.createElement('template');
  actionsTemplate.innerHTML = '<div class="actions"><button data-action="up" title="up (svc -u)">▶</button><button data-action="down" title="down (svc -d)">■</button>' +
    '<button data-action="restart" title="restart (svc -tu)">⟳</button><button data-action="once" title="once (svc -o)">1×</button>' +
    '<button data-menu="signal" title="send a signal">sig ▾</button></div>';
  const menu = document.createElement('div');
  menu.className = 'menu';
  menu.hidden = true;
  for (const [a, label] of SIGNALS) {
    const b = document.createElement('button');
    b.dataset.signal = a;
    b.textContent = label;
    menu.append(b);
  }
  document.body.append(menu);
  let menuFor = null;
  function openMenu(name, anchor) {
    menuFor = name;
    const r = anchor.getBoundingClientRect();
    menu.style.left = `${Math.min(r.left, window.innerWidth - 160)}px`;
    menu.style.top = `${Math.min(r.bottom + 2, window.innerHeight - 300)}px`;
    menu.hidden = false;
  }
  menu.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-signal]');
    if (b && menuFor) act(menuFor, b.dataset.signal);
    menu.hidden = true;
  });
  document.addEventListener('click', (e) => { if (!e.target.closest('.menu') && !e.target.closest('[data-menu]')) menu.hidden = true; });

  function makeRow(v) {
    const tr = document.createElement('tr');
    tr.dataset.name = v.name;
    const cells = {};
    for (const c of ['name', 'state', 'pid', 'uptime', 'restarts', 'exit', 'ready', 'notes', 'actions']) {
      const td = document.createElement('td');
      td.className = c;
      cells[c] = td;
      tr.append(td);
    }
    cells.name.textContent = v.name;
    cells.actions.append(actionsTemplate.content.cloneNode(true));
    return { v, tr, cells };
  }

  function paint(s) {
    const v = s.v, c = s.cells;
    const k = kind(v);
    s.tr.className = `s-${k === 'failing' ? 'failing' : v.state}${selected === v.name ? ' selected' : ''}`;
    const [st, cls] = stateBadge(v);
    let b = c.state.firstChild;
    if (!b) { b = document.createElement('span'); c.state.append(b); }
    b.className = `badge ${cls}`;
    b.textContent = st;
    c.pid.textContent = v.pid ? String(v.pid) : '';
    c.restarts.textContent = v.restarts == null ? '' : String(v.restarts);
    const [et, bad] = exitText(v);
    c.exit.textContent = et;
    c.exit.classList.toggle('bad', bad);
    c.ready.textContent = v.ready == null || !v.up ? '' : v.ready ? 'yes' : 'no';
    c.notes.textContent = notes(v);
    c.uptime.textContent = v.up ? duration(now() - v.since) : v.since ? `down ${duration(now() - v.since)}` : '';
    s.tr.hidden = !matches(v);
  }

  function matches(v) {
    if (query && !v.name.toLowerCase().includes(query)) return false;
    const k = kind(v);
    if (filter === 'up') return k === 'up';
    if (filter === 'down') return k === 'down';
    if (filter === 'failing') return k === 'failing';
    return true;
  }

  function counts() {
    let up = 0, down = 0, failing = 0, shown = 0;
    for (const s of services.values()) {
      const k = kind(s.v);
      if (k === 'up') up++;
      else if (k === 'down') down++;
      else if (k === 'failing') failing++;
      if (!s.tr.hidden) shown++;
    }
    $('n-all').textContent = services.size;
    $('n-up').textContent = up;
    $('n-down').textContent = down;
    $('n-failing').textContent = failing;
    $('empty').hidden = shown > 0;
  }

  /** Replaces the whole list (first event, reconnects): rows built once and appended in one go. */
  function replaceAll(list) {
    const seen = new Set();
    const frag = document.createDocumentFragment();
    for (const v of list) {
      seen.add(v.name);
      let s = services.get(v.name);
      if (!s) { s = makeRow(v); services.set(v.name, s); }
      s.v = v;
      paint(s);
      frag.append(s.tr); // list is sorted by name
    }
    for (const [n, s] of services) if (!seen.has(n)) { s.tr.remove(); services.delete(n); }
    rowsEl.append(frag);
    if (selected && services.has(selected)) paintDetail();
  }

  function upsert(v) {
    let s = services.get(v.name);
    if (!s) {
      s = makeRow(v);
      services.set(v.name, s);
      // keep the table sorted by name
      const names = [...services.keys()].sort();
      const next = names[names.indexOf(v.name) + 1];
      const before = next && services.get(next);
      rowsEl.insertBefore(s.tr, before && before.tr.parentNode ? before.tr : null);
    }
    s.v = v;
    paint(s);
    if (selected === v.name) paintDetail();
  }

  function refilter() {
    for (const s of services.values()) s.tr.hidden = !matches(s.v);
    counts();
  }

  // ---- live updates
  let events = null;
  function connect() {
    const es = new EventSource('/api/events');
    events = es;
    performance.mark('svweb:connect');
    es.addEventListener('services', (e) => {
      performance.mark('svweb:services');
      const d = JSON.parse(e.data);
      clockSkew = d.now - Date.now() / 1000;
      readOnly = d.readOnly;
      document.body.classList.toggle('readonly', readOnly);
      $('role').textContent = readOnly ? 'read-only' : '';
      replaceAll(d.services);
      counts();
      performance.mark('svweb:rows');
      $('conn').textContent = 'live';
      $('conn').className = 'conn live';
    });
    es.addEventListener('update', (e) => {
      const d = JSON.parse(e.data);
      clockSkew = d.now - Date.now() / 1000;
      for (const v of d.changed) upsert(v);
      for (const n of d.removed) { const s = services.get(n); if (s) { s.tr.remove(); services.delete(n); } }
      counts();
    });
    es.onerror = () => { $('conn').textContent = 'reconnecting…'; $('conn').className = 'conn lost'; };
    es.onopen = () => { $('conn').textContent = 'live'; $('conn').className = 'conn live'; };
  }

  setInterval(() => {
    for (const s of services.values()) {
      if (s.tr.hidden) continue;
      const v = s.v;
      s.cells.uptime.textContent = v.up ? duration(now() - v.since) : v.since ? `down ${duration(now() - v.since)}` : '';
      if (v.nextStart) s.cells.notes.textContent = notes(v);
    }
  }, 1000);

  // ---- control
  function toast(msg) {
    const t = $('toast');
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
  }

  async function act(name, action) {
    try {
      const r = await fetch(`/api/services/${encodeURIComponent(name)}/control`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-svweb-control': '1' }, body: JSON.stringify({ action }),
      });
      const j = await r.json();
      if (!r.ok) return toast(`${name}: ${j.error}`);
      upsert(j.service);
      counts();
    } catch (e) {
      toast(`${name}: ${e.message}`);
    }
  }

  rowsEl.addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (!tr) return;
    const b = e.target.closest('button[data-action]');
    if (b) { e.stopPropagation(); return act(tr.dataset.name, b.dataset.action); }
    const m = e.target.closest('button[data-menu]');
    if (m) { e.stopPropagation(); return openMenu(tr.dataset.name, m); }
    select(tr.dataset.name);
  });

  // ---- filters
  $('search').addEventListener('input', (e) => { query = e.target.value.trim().toLowerCase(); refilter(); });
  for (const chip of document.querySelectorAll('.chip')) {
    chip.addEventListener('click', () => {
      filter = chip.dataset.filter;
      for (const c of document.querySelectorAll('.chip')) c.classList.toggle('active', c === chip);
      refilter();
    });
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === '/' && document.activeElement.tagName !== 'INPUT' && !document.activeElement.closest('.console')) { e.preventDefault(); $('search').focus(); }
    if (e.key === 'Escape' && !document.activeElement.closest('.console')) select(null);
  });

  // ---- detail: log and console
  let logSource = null;
  let term = null, fit = null, ws = null;
  let tab = 'log';
  const logEl = $('log');
  const MAX_LOG_LINES = 3000;

  function paintDetail() {
    const s = services.get(selected);
    if (!s) return;
    const [st, cls] = stateBadge(s.v);
    $('d-state').textContent = st;
    $('d-state').className = `badge ${cls}`;
    $('tab-console').disabled = !s.v.console;
  }

  function logLine(text) {
    const div = document.createElement('div');
    const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}) ?/.exec(text);
    if (m) {
      const t = document.createElement('span');
      t.className = 't';
      t.textContent = m[0];
      div.append(t, text.slice(m[0].length));
    } else div.textContent = text;
    div.className = 'line';
    const f = $('log-filter').value;
    if (f && !text.includes(f)) div.hidden = true;
    return div;
  }

  function openLog(name) {
    if (logSource) logSource.close();
    logEl.textContent = '';
    logSource = new EventSource(`/api/services/${encodeURIComponent(name)}/log/stream?lines=300`);
    logSource.addEventListener('lines', (e) => {
      const lines = JSON.parse(e.data);
      const frag = document.createDocumentFragment();
      for (const l of lines) frag.append(logLine(l));
      logEl.append(frag);
      while (logEl.childElementCount > MAX_LOG_LINES) logEl.firstElementChild.remove();
      $('log-count').textContent = `${logEl.childElementCount} lines`;
      if ($('follow').checked) logEl.scrollTop = logEl.scrollHeight;
    });
  }
  $('log-filter').addEventListener('input', () => {
    const f = $('log-filter').value;
    for (const d of logEl.children) d.hidden = !!f && !d.textContent.includes(f);
  });

  function closeConsole() {
    if (ws) { ws.onclose = null; ws.close(); ws = null; }
    if (term) { term.dispose(); term = null; }
  }

  let xtermLoaded = null;
  /** xterm.js (about 400 kB) is loaded when a console is first opened, not with the page. */
  function loadXterm() {
    if (!xtermLoaded) {
      const load = (src) => new Promise((res, rej) => {
        const sc = document.createElement('script');
        sc.src = src;
        sc.onload = res;
        sc.onerror = () => rej(new Error(`cannot load ${src}`));
        document.head.append(sc);
      });
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = '/assets/xterm.css';
      document.head.append(css);
      xtermLoaded = load('/assets/xterm.js').then(() => load('/assets/addon-fit.js'));
    }
    return xtermLoaded;
  }

  async function openConsole(name) {
    closeConsole();
    await loadXterm();
    if (selected !== name || tab !== 'console') return;
    const el = $('console');
    el.textContent = '';
    term = new Terminal({ convertEol: false, cursorBlink: true, scrollback: 5000, fontSize: 13, theme: { background: '#000000' } });
    fit = new FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(el);
    fit.fit();
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    ws = new WebSocket(`${proto}://${location.host}/api/services/${encodeURIComponent(name)}/console${readOnly ? '?readonly=1' : ''}`);
    ws.binaryType = 'arraybuffer';
    $('console-status').textContent = 'connecting…';
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') {
        const m = JSON.parse(e.data);
        if (m.type === 'attached') $('console-status').textContent = m.readOnly ? 'attached read-only (watching)' : 'attached: typing goes to the console';
        return;
      }
      term.write(new Uint8Array(e.data));
    };
    ws.onclose = (e) => { $('console-status').textContent = `console closed${e.reason ? `: ${e.reason}` : ''}`; };
    term.onData((d) => { if (ws && ws.readyState === 1) ws.send(d); });
    term.focus();
  }

  function showTab(t) {
    tab = t;
    for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.tab === t);
    $('pane-log').hidden = t !== 'log';
    $('pane-console').hidden = t !== 'console';
    if (t === 'console' && selected) openConsole(selected);
    else closeConsole();
  }
  for (const b of document.querySelectorAll('.tab')) b.addEventListener('click', () => { if (!b.disabled) showTab(b.dataset.tab); });
  window.addEventListener('resize', () => { if (fit) fit.fit(); });

  function select(name) {
    const prev = selected && services.get(selected);
    selected = name;
    if (prev) paint(prev);
    if (!name) {
      $('detail').hidden = true;
      if (logSource) { logSource.close(); logSource = null; }
      closeConsole();
      return;
    }
    const s = services.get(name);
    if (s) paint(s);
    $('detail').hidden = false;
    $('d-name').textContent = name;
    paintDetail();
    openLog(name);
    if (tab === 'console' && s && s.v.console) showTab('console');
    else showTab('log');
    history.replaceState(null, '', `#${encodeURIComponent(name)}`);
  }
  // the selected service's buttons, also in the detail header (the table's may be scrolled away)
  $('d-actions').append(actionsTemplate.content.cloneNode(true));
  $('d-actions').addEventListener('click', (e) => {
    if (!selected) return;
    const b = e.target.closest('button[data-action]');
    if (b) return act(selected, b.dataset.action);
    const m = e.target.closest('button[data-menu]');
    if (m) { e.stopPropagation(); openMenu(selected, m); }
  });
  $('d-close').addEventListener('click', () => { select(null); history.replaceState(null, '', location.pathname); });

  connect();
  // a hidden tab gives its streams back: browsers allow 6 HTTP/1.1 connections per server, shared by all tabs
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      if (events) { events.close(); events = null; }
      if (logSource) { logSource.close(); logSource = null; }
      $('conn').textContent = 'paused (tab hidden)';
      $('conn').className = 'conn';
    } else {
      if (!events) connect();
      if (selected && !logSource) openLog(selected);
    }
  });
  // open the service named in the URL fragment once the list has arrived
  function fromHash() {
    const wanted = decodeURIComponent(location.hash.slice(1));
    if (!wanted || wanted === selected) return;
    const t = setInterval(() => { if (services.has(wanted)) { clearInterval(t); select(wanted); } }, 100);
    setTimeout(() => clearInterval(t), 10000);
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
