/**
 * page-html — the status page's document (`GET /`). Its script (page-script.ts) and style
 * (page-style.ts) are served beside it as /page.js and /page.css, so the page runs under a
 * strict Content-Security-Policy with no inline code. Nothing is built: the three texts are
 * served as they are, from the compiled package.
 */

/** statusPageHtml — the page skeleton the script fills in. */
export const statusPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tair-config-server status</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<header class="top">
  <h1>tair-config-server</h1>
  <div class="server-line">
    <span id="address" class="address">…</span>
    <span id="role" class="badge">…</span>
    <span id="epoch" class="muted"></span>
    <span id="uptime" class="muted"></span>
  </div>
  <div class="refresh">
    <label>Colour buckets by
      <select id="colour-by">
        <option value="server">master server</option>
        <option value="rack">rack</option>
      </select>
    </label>
    <span id="updated" class="muted">loading…</span>
  </div>
</header>
<main>
  <section id="health" class="health" data-status="">
    <span id="health-status" class="badge">…</span>
    <ul id="health-checks" class="health-checks"></ul>
  </section>
  <div id="error" class="error" hidden></div>
  <div id="groups"></div>
  <section class="panel">
    <h2>Recent events</h2>
    <ol id="events" class="events"></ol>
  </section>
</main>
</body>
</html>
`;
