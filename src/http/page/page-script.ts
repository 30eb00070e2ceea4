/**
 * page-script — the status page's script (`GET /page.js`), plain browser JavaScript kept as
 * text: users need no build step, and the page test runs it in a real Chromium.
 *
 *   every second: GET /status ─▶ overview, migration bar + ETA, servers by rack with bars of
 *                                replicas and masters against their quota, events
 *                 a group's versions changed ─▶ GET /groups/{name}/table ─▶ bucket map (canvas,
 *                                one cell per bucket, coloured by master server or rack,
 *                                migrating buckets hatched red)
 *
 * Everything is built with DOM calls and textContent (no HTML from data). The text avoids
 * template literals so it can live in a TypeScript template string.
 */

/** statusPageScript — see the file comment. */
// biome-ignore lint/complexity/noUselessStringRaw: raw keeps any backslash the script gains literal
export const statusPageScript = String.raw`'use strict';
(function () {
  var refreshMs = 1000;
  var mapWidthPx = 640;
  var tables = {};
  var tableKeys = {};
  var lastStatus = null;
  var colourBy = 'server';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }

  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (response) {
      if (!response.ok) {
        var error = new Error(path + ': HTTP ' + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  function colourOf(index, count) {
    var hue = Math.round((index * 360) / Math.max(count, 1) + 200) % 360;
    var light = index % 2 === 0 ? 48 : 62;
    return 'hsl(' + hue + ', 65%, ' + light + '%)';
  }

  function slug(text) {
    return String(text).replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  }

  function formatSeconds(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 60) return Math.round(seconds) + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + Math.round(seconds % 60) + ' s';
    return Math.floor(seconds / 3600) + ' h ' + Math.round((seconds % 3600) / 60) + ' min';
  }

  function badge(text, kind) {
    return el('span', 'badge ' + slug(kind || text), text);
  }

  function renderHeader(status) {
    document.getElementById('address').textContent = status.address;
    var role = document.getElementById('role');
    role.textContent = status.role;
    role.className = 'badge ' + status.role;
    document.getElementById('epoch').textContent = 'epoch ' + status.epoch;
    document.getElementById('uptime').textContent = 'up ' + formatSeconds(status.uptimeS);
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  // The health banner at the top: the server's level and every reason (health.ts).
  function renderHealth(status) {
    var health = status.health;
    document.getElementById('health').setAttribute('data-status', health.status);
    var level = document.getElementById('health-status');
    level.textContent = 'HEALTH_' + health.status;
    level.className = 'badge ' + health.status.toLowerCase();
    var list = document.getElementById('health-checks');
    list.textContent = '';
    health.checks.forEach(function (check) {
      var item = el('li', check.level.toLowerCase(), (check.group ? check.group + ': ' : '') + check.message);
      item.setAttribute('data-code', check.code);
      add(list, item);
    });
  }

  function renderOverview(group) {
    var box = el('div', 'overview');
    add(box,
      add(el('span', 'fact'), el('span', 'muted', 'health '), badge(group.health.status, group.health.status.toLowerCase())),
      add(el('span', 'fact'), el('span', 'muted', 'state '), badge(group.state)),
      add(el('span', 'fact'), el('span', 'muted', 'buckets '), el('b', null, group.bucketCount)),
      add(el('span', 'fact'), el('span', 'muted', 'copies '), el('b', null, group.copyCount)),
      add(el('span', 'fact'), el('span', 'muted', 'strategy '), el('b', null, group.strategy)),
      add(el('span', 'fact'), el('span', 'muted', 'versions '), el('b', null,
        'client ' + group.versions.client + ' · server ' + group.versions.server + ' · transition ' + group.versions.transition)),
      add(el('span', 'fact'), el('span', 'muted', 'data servers '), el('b', null, group.dataServers.length)));
    var wrap = add(el('div'), box);
    if (group.alarms.length > 0) {
      var list = el('ul', 'alarms');
      group.alarms.forEach(function (alarm) { add(list, el('li', null, alarm.message)); });
      add(wrap, list);
    }
    return wrap;
  }

  function renderMigration(group) {
    var m = group.migration;
    var box = add(el('div', 'migration'), el('h3', null, 'Migration'));
    if (!m.migrating) return add(box, el('div', 'muted', 'no migration running'));
    var total = Math.max(m.bucketsTotal, 1);
    var bar = el('div', 'progress');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuenow', String(m.bucketsDone));
    bar.setAttribute('aria-valuemax', String(m.bucketsTotal));
    var done = el('div', 'done');
    done.style.width = ((100 * m.bucketsDone) / total).toFixed(1) + '%';
    add(bar, done);
    var line = m.bucketsDone + ' of ' + m.bucketsTotal + ' buckets moved, ' + m.bucketsLeft + ' left' +
      (m.ratePerS !== null ? ' · ' + m.ratePerS + ' buckets/s' : '') + ' · ETA ' + formatSeconds(m.etaS);
    var text = add(el('div', 'migration-text'), el('span', null, line));
    if (m.paused) add(text, el('span', null, ' '), badge('paused'));
    if (m.capPerServer !== null) add(text, el('span', 'muted', ' · at most ' + m.capPerServer + ' buckets per server at a time'));
    add(box, bar, text);
    if (m.sources.length > 0) {
      add(box, el('div', 'muted', 'left per source: ' + m.sources.map(function (s) { return s.server + ' ' + s.left; }).join(', ')));
    }
    return box;
  }

  function meter(kind, holding, scale) {
    var cell = el('td');
    var wrap = el('div', 'cell-meter');
    var bar = el('div', 'meter');
    bar.setAttribute('data-kind', kind);
    bar.setAttribute('title', kind + ': ' + holding.held + ' held, quota ' + holding.quota + ', ' + holding.destination + ' after migration');
    var fill = el('div', 'fill ' + kind);
    fill.style.width = ((100 * holding.held) / scale).toFixed(2) + '%';
    var quota = el('div', 'quota');
    quota.style.left = ((100 * holding.quota) / scale).toFixed(2) + '%';
    add(bar, fill, quota);
    add(wrap, bar, el('span', 'meter-text', holding.held + ' / ' + holding.quota));
    return add(cell, wrap);
  }

  function renderServers(group) {
    var box = add(el('div', 'servers-box'), el('h3', null, 'Data servers by rack (bar: held · mark: quota)'));
    var replicaScale = 1;
    var masterScale = 1;
    group.dataServers.forEach(function (s) {
      replicaScale = Math.max(replicaScale, s.replicas.held, s.replicas.quota, s.replicas.destination);
      masterScale = Math.max(masterScale, s.masters.held, s.masters.quota, s.masters.destination);
    });
    replicaScale *= 1.1;
    masterScale *= 1.1;
    var racks = {};
    group.dataServers.forEach(function (s) { (racks[s.rack] = racks[s.rack] || []).push(s); });
    Object.keys(racks).sort().forEach(function (rack) {
      var section = add(el('div', 'rack'), el('div', 'rack-name', 'rack ' + rack));
      var table = el('table', 'servers');
      var head = el('tr');
      ['server', 'state', 'weight', 'replicas', 'masters', 'last heartbeat'].forEach(function (h) { add(head, el('th', null, h)); });
      add(table, head);
      racks[rack].forEach(function (s) {
        var row = el('tr', 'server-row server-' + s.state);
        row.setAttribute('data-server', s.id);
        row.setAttribute('data-state', s.state);
        var flags = el('td', 'state');
        add(flags, badge(s.state.toUpperCase(), s.state));
        if (s.draining) add(flags, el('span', null, ' '), badge(s.drained ? 'drained' : 'draining', 'draining'));
        if (s.failedOver) add(flags, el('span', null, ' '), badge('failed over', 'failed-over'));
        if (!s.member) add(flags, el('span', null, ' '), badge('removed', 'draining'));
        var seen = s.lastHeartbeatAgoMs === null ? 'never' : (s.lastHeartbeatAgoMs / 1000).toFixed(1) + ' s ago';
        add(row, el('td', 'name', s.id), flags, el('td', null, s.weight),
          meter('replicas', s.replicas, replicaScale), meter('masters', s.masters, masterScale), el('td', 'muted', seen));
        add(table, row);
      });
      add(box, add(section, table));
    });
    return box;
  }

  function paletteOf(group, table) {
    var keys = [];
    if (colourBy === 'rack') {
      group.dataServers.forEach(function (s) { if (keys.indexOf(s.rack) < 0) keys.push(s.rack); });
      keys.sort();
    } else {
      group.dataServers.forEach(function (s) { keys.push(s.id); });
      table.current[0].forEach(function (id) { if (id !== null && keys.indexOf(id) < 0) keys.push(id); });
    }
    var rackOf = {};
    group.dataServers.forEach(function (s) { rackOf[s.id] = s.rack; });
    var colours = {};
    keys.forEach(function (key, index) { colours[key] = colourOf(index, keys.length); });
    return { keys: keys, colourOfServer: function (id) { return colours[colourBy === 'rack' ? rackOf[id] : id] || '#999'; }, colours: colours };
  }

  function renderMap(group) {
    var box = add(el('div', 'map-box'), el('h3', null, 'Bucket map'));
    var table = tables[group.name];
    if (!group.hasTable) return add(box, el('div', 'muted', 'no table yet'));
    if (table === 'too-large') return add(box, el('div', 'muted', 'the table is too large to draw here'));
    if (!table) return add(box, el('div', 'muted', 'loading the table…'));
    var bucketCount = table.bucketCount;
    var columns = Math.min(bucketCount, Math.ceil(Math.sqrt(bucketCount * 2)));
    var cell = Math.max(1, Math.min(16, Math.floor(mapWidthPx / columns)));
    columns = Math.min(bucketCount, Math.max(columns, Math.floor(mapWidthPx / cell)));
    var rows = Math.ceil(bucketCount / columns);
    var canvas = el('canvas', 'bucket-map');
    canvas.width = columns * cell;
    canvas.height = rows * cell;
    var palette = paletteOf(group, table);
    var context = canvas.getContext('2d');
    var migrating = 0;
    for (var b = 0; b < bucketCount; b++) {
      var x = (b % columns) * cell;
      var y = Math.floor(b / columns) * cell;
      var master = table.current[0][b];
      context.fillStyle = master === null ? '#30343c' : palette.colourOfServer(master);
      context.fillRect(x, y, cell, cell);
      var moving = false;
      for (var c = 0; c < table.copyCount; c++) if (table.current[c][b] !== table.destination[c][b]) moving = true;
      if (!moving) continue;
      migrating += 1;
      context.strokeStyle = '#d64545';
      context.lineWidth = Math.max(1, Math.floor(cell / 5));
      if (cell >= 4) {
        context.strokeRect(x + context.lineWidth / 2, y + context.lineWidth / 2, cell - context.lineWidth, cell - context.lineWidth);
        context.beginPath();
        context.moveTo(x, y + cell);
        context.lineTo(x + cell, y);
        context.stroke();
      } else {
        context.fillStyle = 'rgba(214, 69, 69, 0.8)';
        context.fillRect(x, y, cell, cell);
      }
    }
    canvas.setAttribute('data-bucket-count', String(bucketCount));
    canvas.setAttribute('data-migrating-count', String(migrating));
    canvas.setAttribute('data-cell-px', String(cell));
    canvas.setAttribute('data-columns', String(columns));
    canvas.setAttribute('aria-label', 'bucket map: ' + bucketCount + ' buckets, ' + migrating + ' migrating');
    var legend = el('ul', 'legend');
    palette.keys.forEach(function (key) {
      var swatch = el('span', 'swatch');
      swatch.style.background = palette.colours[key];
      add(legend, add(el('li'), swatch, el('span', null, key)));
    });
    var migratingSwatch = el('span', 'swatch migrating');
    add(legend, add(el('li'), migratingSwatch, el('span', null, 'migrating')));
    var caption = el('div', 'map-caption', bucketCount + ' buckets · ' + migrating + ' migrating · colour: ' + (colourBy === 'rack' ? 'rack' : 'master server'));
    return add(box, caption, add(el('div', 'map-wrap'), canvas, legend));
  }

  function renderGroups(status) {
    var container = document.getElementById('groups');
    container.textContent = '';
    status.groups.forEach(function (group) {
      var panel = el('section', 'panel group');
      panel.id = 'group-' + slug(group.name);
      panel.setAttribute('data-group', group.name);
      add(panel, el('h2', null, 'Group ' + group.name), renderOverview(group), renderMigration(group), renderServers(group), renderMap(group));
      add(container, panel);
    });
  }

  function renderEvents(status) {
    var list = document.getElementById('events');
    var newest = status.events.length > 0 ? status.events[status.events.length - 1].seq : 0;
    // Rebuilt only when something happened, so a reader's scroll position stays put.
    if (list.getAttribute('data-newest') === String(newest) && list.childNodes.length > 0) return;
    list.setAttribute('data-newest', String(newest));
    list.textContent = '';
    var events = status.events.slice(-60).reverse();
    if (events.length === 0) add(list, el('li', 'muted', 'nothing yet'));
    events.forEach(function (event) {
      var item = el('li', 'event ' + event.level);
      item.setAttribute('data-event', event.event);
      add(item, el('span', 'muted', new Date(event.time).toLocaleTimeString()), el('span', event.level, event.event), el('span', null, event.message));
      add(list, item);
    });
  }

  function render(status) {
    lastStatus = status;
    renderHeader(status);
    renderHealth(status);
    renderGroups(status);
    renderEvents(status);
  }

  function loadTables(status) {
    var loads = status.groups.filter(function (group) { return group.hasTable; }).map(function (group) {
      var key = group.versions.client + '/' + group.versions.server + '/' + group.versions.transition + '/' + group.migration.bucketsLeft;
      if (tableKeys[group.name] === key) return null;
      return getJson('/groups/' + encodeURIComponent(group.name) + '/table').then(function (table) {
        tables[group.name] = table;
        tableKeys[group.name] = key;
      }, function (error) {
        if (error.status === 413) {
          tables[group.name] = 'too-large';
          tableKeys[group.name] = key;
        }
      });
    });
    return Promise.all(loads);
  }

  function showError(message) {
    var box = document.getElementById('error');
    box.textContent = message;
    box.hidden = message === '';
  }

  function refresh() {
    getJson('/status')
      .then(function (status) { return loadTables(status).then(function () { return status; }); })
      .then(function (status) { render(status); showError(''); })
      .catch(function (error) { showError('cannot reach the config server: ' + error.message); })
      .then(function () { setTimeout(refresh, refreshMs); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('colour-by').addEventListener('change', function (event) {
      colourBy = event.target.value;
      if (lastStatus) render(lastStatus);
    });
    refresh();
  });
})();
`;
