// SPDX-License-Identifier: BSD-2-Clause
// gpsntpd's status page: polls /api/status (the state at a glance and the sources) and
// /api/history (the plots; after the first read only the points it does not have yet, by
// sequence number). Text from the daemon goes into the page as text, never as markup. Each
// plot's element carries data-points, the number of points that have a value, so a headless
// browser's DOM dump shows what was drawn.
'use strict';
(function () {
  const STATUS_EVERY_MS = 2000;
  const HISTORY_EVERY_MS = 3000;
  const COARSE_AFTER_POINTS = 60; // the 6 h window once it holds 16 minutes
  const $ = (id) => document.getElementById(id);

  const view = {
    userWindow: null,   // chosen by a button or ?window=
    window: null,       // shown now
    seq: 0,             // the last history point held
    sources: [],
    rows: null,         // {t: [Date], freq, disp, rps, stratum: [], offset: [[]], jitter: [[]]}
    capacity: 0,
    graphs: {},
    status: null,
  };
  const asked = new URLSearchParams(location.search).get('window');
  if (asked === 'fine' || asked === 'coarse') {
    view.userWindow = asked;
  }

  // Seconds with an SI prefix and 3 significant digits: 1.23 ms, -798 ns.
  function seconds(v) {
    if (v === null || v === undefined || !isFinite(v)) {
      return '–';
    }
    const a = Math.abs(v);
    if (a === 0) {
      return '0 s';
    }
    const units = [[1, 's'], [1e-3, 'ms'], [1e-6, 'µs'], [1e-9, 'ns']];
    for (const [scale, unit] of units) {
      if (a >= scale || scale === 1e-9) {
        return (v / scale).toPrecision(3) + ' ' + unit;
      }
    }
    return String(v);
  }

  function duration(s) {
    if (s === null || s === undefined || !isFinite(s)) {
      return '–';
    }
    s = Math.max(0, Math.floor(s));
    if (s < 120) {
      return s + ' s';
    }
    if (s < 7200) {
      return Math.floor(s / 60) + ' min';
    }
    if (s < 172800) {
      return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    }
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function age(s) {
    return s === null || s === undefined ? 'never' : duration(s) + ' ago';
  }

  function text(id, value) {
    $(id).textContent = value;
  }

  function cell(tr, value, cls, title) {
    const td = document.createElement('td');
    td.textContent = value;
    if (cls) {
      td.className = cls;
    }
    if (title) {
      td.title = title;
    }
    tr.appendChild(td);
    return td;
  }

  const BADGE = {
    synchronized: 'SYNCHRONIZED',
    holdover: 'HOLDOVER',
    local: 'LOCAL CLOCK',
    unsynchronized: 'UNSYNCHRONIZED',
  };

  function showStatus(st) {
    view.status = st;
    const t = st.tracking;
    document.body.dataset.state = st.state;
    const badge = $('badge');
    badge.textContent = BADGE[st.state] || st.state.toUpperCase();
    const sub = document.createElement('small');
    if (st.state === 'synchronized') {
      sub.textContent = 'to ' + (t.source || t.reference_name);
    } else if (st.state === 'holdover') {
      sub.textContent = 'references lost ' + duration(st.holdover_s) + ' ago';
    } else if (st.state === 'local') {
      sub.textContent = 'no reference: local stratum';
    } else {
      sub.textContent = 'no reference: clients are told not to use this time';
    }
    badge.appendChild(sub);
    text('g-stratum', t.stratum);
    text('g-reference', t.reference_id === '00000000' ? 'none'
      : (t.source ? t.source + ' (' + t.reference_name + ')' : t.reference_name));
    text('g-leap', t.leap_status);
    text('g-offset', seconds(t.system_time_s));
    text('g-disp', seconds(t.root_dispersion_s));
    text('g-freq', t.frequency_ppm === null ? '–' : t.frequency_ppm.toFixed(3) + ' ppm');
    text('g-rps', st.requests_per_s === null ? '–' : st.requests_per_s.toFixed(1) + ' /s');
    text('g-uptime', duration(st.uptime_s));
    text('g-version', 'gpsntpd ' + st.version);
    text('g-updated', 'read ' + new Date(st.time * 1000).toISOString().slice(11, 19) + ' UTC');
    showSources(st.sources);
    chooseWindow(st.history);
  }

  function stateClass(s) {
    if (s === 'OK') {
      return 'st-ok';
    }
    return s === 'no fix' || s === 'open' ? 'st-warn' : 'st-bad';
  }

  function showSources(sources) {
    const body = document.createElement('tbody');
    for (const s of sources) {
      const tr = document.createElement('tr');
      if (s.selected) {
        tr.className = 'selected';
      }
      const marks = {selected: '*', candidate: '+', falseticker: 'x', unusable: '?',
                     noselect: '-', jump: '!', loop: 'L'};
      cell(tr, marks[s.select] || '', '', s.select);
      cell(tr, s.name);
      cell(tr, s.driver);
      cell(tr, s.kind === 'refclock' ? s.refid : (s.remote_refid || ''));
      cell(tr, s.state, stateClass(s.state));
      cell(tr, s.stratum === null ? '' : s.stratum, 'num');
      cell(tr, s.reach.toString(8).padStart(3, '0'), 'num');
      cell(tr, s.samples, 'num');
      cell(tr, age(s.last_sample_age_s), 'num');
      cell(tr, seconds(s.offset_s), 'num');
      cell(tr, seconds(s.jitter_s), 'num');
      cell(tr, seconds(s.root_distance_s), 'num');
      cell(tr, seconds(s.latency_s), 'num');
      cell(tr, s.device, 'dev', s.device);
      const counts = Object.entries(s.counters).filter(([, n]) => n > 0)
        .map(([k, n]) => k + ' ' + n);
      if (s.error) {
        counts.unshift('cannot open: ' + s.error);
      }
      cell(tr, counts.join(', '), 'counters');
      body.appendChild(tr);
    }
    const table = $('sources');
    table.replaceChild(body, table.tBodies[0]);
  }

  function chooseWindow(history) {
    let w = view.userWindow;
    if (!w) {
      w = history && history.coarse.count >= COARSE_AFTER_POINTS ? 'coarse' : 'fine';
    }
    if (w !== view.window) {
      view.window = w;
      view.seq = 0;
      view.rows = null;
      for (const b of document.querySelectorAll('.window button')) {
        b.classList.toggle('active', b.dataset.window === w);
      }
      pollHistory();
    }
  }

  // Take a history answer: append it, or start over with it (see hist.h).
  function takeHistory(h) {
    const continues = view.rows !== null && h.first_seq === view.seq + 1 &&
      h.sources.join('\n') === view.sources.join('\n');
    if (!continues) {
      view.sources = h.sources;
      view.rows = { t: [], freq: [], disp: [], rps: [], offset: h.sources.map(() => []),
        jitter: h.sources.map(() => []) };
    }
    const r = view.rows;
    for (let i = 0; i < h.t.length; i++) {
      r.t.push(new Date(h.t[i] * 1000));
      r.freq.push(h.frequency_ppm[i]);
      r.disp.push(h.root_dispersion_s[i]);
      r.rps.push(h.requests_per_s[i]);
      h.sources.forEach((_, k) => {
        r.offset[k].push(h.offset_s[k][i]);
        r.jitter[k].push(h.jitter_s[k][i]);
      });
    }
    const extra = r.t.length - h.capacity;
    if (extra > 0) {
      for (const a of [r.t, r.freq, r.disp, r.rps, ...r.offset, ...r.jitter]) {
        a.splice(0, extra);
      }
    }
    view.seq = h.last_seq;
    view.capacity = h.capacity;
    text('h-info', r.t.length + ' points, one per ' + h.interval_s + ' s, UTC');
    draw();
  }

  // Rows for dygraphs: [Date, v1, v2, ...], null for a gap; and how many rows have a value.
  function table(columns) {
    const rows = [];
    let points = 0;
    for (let i = 0; i < view.rows.t.length; i++) {
      const row = [view.rows.t[i]];
      let any = false;
      for (const c of columns) {
        const v = c[i];
        row.push(v === null ? null : v);
        any = any || v !== null;
      }
      points += any ? 1 : 0;
      rows.push(row);
    }
    return { rows, points };
  }

  function plot(id, el, columns, labels, options) {
    const { rows, points } = table(columns);
    el.dataset.points = points;
    el.dataset.series = labels.length - 1;
    if (rows.length === 0 || labels.length < 2) {
      return; // nothing to draw yet, or no source to draw it for
    }
    const g = view.graphs[id];
    if (g && g.numColumns() === labels.length) {
      const update = { file: rows };
      if ('valueRange' in options && !g.isZoomed('y')) {
        update.valueRange = options.valueRange;
      }
      g.updateOptions(update);
      return;
    }
    if (g) {
      g.destroy();
    }
    view.graphs[id] = new Dygraph(el, rows, Object.assign({
      labels,
      labelsUTC: true,
      connectSeparatedPoints: false,
      drawPoints: rows.length < 40,
      strokeWidth: 1.3,
      legend: 'follow',
      axes: { y: { axisLabelWidth: 62, pixelsPerLabel: 22 } },
    }, options));
  }

  const secondsAxis = {
    axes: {
      y: {
        axisLabelWidth: 62,
        pixelsPerLabel: 22,
        valueFormatter: (v) => seconds(v),
        axisLabelFormatter: (v) => seconds(v),
      },
    },
  };

  // Jitters span nanoseconds (a pulse) to milliseconds (NMEA): plotted as log10 of the
  // seconds on a linear axis, whose ticks then fall on whole decades (1 us, 10 us, ...).
  const logSecondsAxis = {
    axes: {
      y: {
        axisLabelWidth: 62,
        pixelsPerLabel: 22,
        valueFormatter: (v) => seconds(Math.pow(10, v)),
        axisLabelFormatter: (v) => seconds(Math.pow(10, v)),
      },
    },
  };

  // Below a nanosecond a jitter is noise of the arithmetic: shown at 1 ns, so the axis
  // does not reach down decades that mean nothing.
  function log10Column(column) {
    return column.map((v) => (v === null ? null : Math.log10(Math.max(v, 1e-9))));
  }

  // An offset axis that the start-up step (tens of ms) does not flatten: the median +- 12
  // robust standard deviations (1.4826 x the median absolute deviation), within the values'
  // range. A pulse source's microseconds stay visible; what lies outside is drawn as a line
  // leaving the plot (the legend, a drag-zoom and a double click to reset show it all).
  function robustRange(column) {
    const v = column.filter((x) => x !== null).sort((a, b) => a - b);
    if (v.length < 5) {
      return null;
    }
    const median = (a) => a[Math.floor(a.length / 2)];
    const m = median(v);
    const sigma = Math.max(1.4826 * median(v.map((x) => Math.abs(x - m)).sort((a, b) => a - b)),
      1e-9);
    const lo = Math.max(v[0], m - 12 * sigma);
    const hi = Math.min(v[v.length - 1], m + 12 * sigma);
    const pad = Math.max((hi - lo) * 0.1, 1e-9);
    return [lo - pad, hi + pad];
  }

  function draw() {
    const r = view.rows;
    // One small plot per source: an NMEA source's milliseconds would flatten a pulse
    // source's nanoseconds on a shared axis.
    const box = $('p-offset');
    if (box.children.length !== view.sources.length) {
      box.textContent = '';
      view.sources.forEach((name, k) => {
        const label = document.createElement('div');
        label.className = 'sub';
        label.textContent = name;
        const el = document.createElement('div');
        el.className = 'plot';
        el.id = 'p-offset-' + k;
        el.dataset.points = 0;
        el.dataset.source = name;
        const wrap = document.createElement('div');
        wrap.appendChild(label);
        wrap.appendChild(el);
        box.appendChild(wrap);
        delete view.graphs['offset' + k];
      });
    }
    view.sources.forEach((name, k) => {
      plot('offset' + k, $('p-offset-' + k), [r.offset[k]], ['time', name], {
        axes: secondsAxis.axes,
        valueRange: robustRange(r.offset[k]),
      });
    });
    plot('jitter', $('p-jitter'), r.jitter.map(log10Column), ['time', ...view.sources],
      logSecondsAxis);
    plot('freq', $('p-freq'), [r.freq], ['time', 'frequency (ppm)'], {});
    plot('disp', $('p-disp'), [r.disp], ['time', 'root dispersion'], secondsAxis);
    plot('rps', $('p-rps'), [r.rps], ['time', 'requests/s'], { includeZero: true });
    document.body.dataset.historyPoints = r.t.length;
  }

  async function getJSON(url) {
    const res = await fetch(url, { cache: 'no-store' });
    if (!res.ok) {
      const err = new Error(url + ': HTTP ' + res.status);
      err.status = res.status;
      throw err;
    }
    return res.json();
  }

  function unreachable(err) {
    document.body.dataset.state = 'unreachable';
    $('badge').textContent = 'NO CONTACT';
    text('g-updated', String(err.message || err));
  }

  let historyBusy = false;
  async function pollHistory() {
    if (historyBusy || !view.window) {
      return;
    }
    historyBusy = true;
    try {
      const w = view.window;
      const h = await getJSON('/api/history?window=' + w + '&after=' + view.seq);
      if (w === view.window) {
        takeHistory(h);
      }
    } catch (err) {
      if (err.status !== 429) { // 429: history reads are rationed; the next poll gets it
        unreachable(err);
      }
    } finally {
      historyBusy = false;
    }
  }

  async function pollStatus() {
    try {
      showStatus(await getJSON('/api/status'));
    } catch (err) {
      unreachable(err);
    }
    setTimeout(pollStatus, STATUS_EVERY_MS);
  }

  function historyLoop() {
    pollHistory().finally(() => setTimeout(historyLoop, HISTORY_EVERY_MS));
  }

  for (const b of document.querySelectorAll('.window button')) {
    b.addEventListener('click', () => {
      view.userWindow = b.dataset.window;
      if (view.status) {
        chooseWindow(view.status.history);
      }
    });
  }
  pollStatus();
  historyLoop();
})();
