/**
 * page-style — the status page's stylesheet (`GET /page.css`).
 */

/** statusPageStyle — see the file comment. */
export const statusPageStyle = `
:root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6a7285; --line: #e2e5eb;
  --ok: #1f9d55; --warn: #d98e04; --bad: #d64545; --info: #3b6fd8; --bar: #3b6fd8; --quota: #1d2330; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 16px; padding: 14px 24px; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top h1 { font-size: 18px; margin: 0; }
.server-line { display: flex; gap: 10px; align-items: baseline; }
.refresh { margin-left: auto; display: flex; gap: 16px; align-items: baseline; }
main { padding: 16px 24px; display: grid; gap: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; }
.panel h2 { font-size: 16px; margin: 0 0 10px; }
.panel h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.muted { color: var(--muted); }
.address { font-family: ui-monospace, Menlo, monospace; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e8ebf0; }
.badge.primary, .badge.alive, .badge.normal { background: #dff3e7; color: var(--ok); }
.badge.secondary, .badge.standby, .badge.migrating { background: #e3ebfb; color: var(--info); }
.badge.failovering, .badge.degraded, .badge.draining, .badge.paused, .badge.warn { background: #fdf1d8; color: var(--warn); }
.badge.down, .badge.cannot-build, .badge.failed-over, .badge.err { background: #fbe3e3; color: var(--bad); }
.badge.ok { background: #dff3e7; color: var(--ok); }
.health { display: flex; gap: 14px; align-items: baseline; background: var(--panel); border: 1px solid var(--line); border-left: 6px solid var(--ok); border-radius: 8px; padding: 10px 16px; }
.health[data-status="WARN"] { border-left-color: var(--warn); }
.health[data-status="ERR"] { border-left-color: var(--bad); }
.health-checks { margin: 0; padding-left: 18px; }
.overview { display: flex; flex-wrap: wrap; gap: 8px 22px; align-items: baseline; }
.overview .fact b { font-variant-numeric: tabular-nums; }
.alarms { color: var(--bad); margin: 8px 0 0; padding-left: 18px; }
.error { background: #fbe3e3; color: var(--bad); padding: 10px 14px; border-radius: 8px; }
.progress { height: 14px; background: #e8ebf0; border-radius: 7px; overflow: hidden; margin: 6px 0; }
.progress .done { height: 100%; background: var(--info); transition: width .4s; }
.rack { margin-bottom: 10px; }
.rack-name { font-weight: 600; margin: 6px 0 2px; }
table.servers { border-collapse: collapse; width: 100%; }
table.servers td, table.servers th { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
table.servers th { font-size: 12px; color: var(--muted); font-weight: 600; }
table.servers td.name { font-family: ui-monospace, Menlo, monospace; white-space: nowrap; }
tr.server-down td.name { color: var(--bad); text-decoration: line-through; }
.meter { position: relative; height: 12px; width: 220px; background: #eef0f4; border-radius: 3px; }
.meter .fill { position: absolute; left: 0; top: 0; bottom: 0; background: var(--bar); border-radius: 3px; }
.meter .fill.masters { background: #8a5cd6; }
.meter .quota { position: absolute; top: -3px; bottom: -3px; width: 2px; background: var(--quota); }
.meter-text { font-variant-numeric: tabular-nums; font-size: 12px; color: var(--muted); margin-left: 8px; }
.cell-meter { display: flex; align-items: center; }
.map-wrap { display: flex; gap: 18px; align-items: flex-start; flex-wrap: wrap; }
canvas.bucket-map { border: 1px solid var(--line); image-rendering: pixelated; background: #fafbfc; }
.legend { list-style: none; margin: 0; padding: 0; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.legend .swatch { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
.legend .swatch.migrating { background: repeating-linear-gradient(45deg, #fff, #fff 2px, #d64545 2px, #d64545 4px); }
.events { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow: auto; font-size: 13px; }
.events li { padding: 3px 0; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 90px 140px 1fr; gap: 10px; }
.events .warn { color: var(--warn); }
.events .error { color: var(--bad); background: none; padding: 0; }
`;
