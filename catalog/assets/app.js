// The catalog page: plain JavaScript and SVG, no framework, no network.
// The whole tree is in the embedded JSON; only a neighbourhood of the
// focused table (N levels up and down, at most MAX_NODES tables) is ever
// drawn, so the page stays fast at tens of thousands of tables.
(function () {
  "use strict";
  var MAX_NODES = 300, MAX_RESULTS = 100, MAX_LIST = 200;
  var NODE_W = 210, NODE_H = 26, COL_GAP = 90, ROW_GAP = 10;
  var SVGNS = "http://www.w3.org/2000/svg";

  var started = performance.now();
  var data = JSON.parse(document.getElementById("catalog-data").textContent);
  var parsed = performance.now();
  var tables = data.tables, n = tables.length;
  var byName = new Map(), lower = new Array(n), children = new Array(n);
  var i, j;
  for (i = 0; i < n; i++) { byName.set(tables[i].name, i); lower[i] = tables[i].name.toLowerCase(); children[i] = []; }
  for (i = 0; i < n; i++) { var ps = tables[i].parents; for (j = 0; j < ps.length; j++) children[ps[j]].push(i); }
  var products = data.products, productIndex = new Map();
  products.forEach(function (p, k) { productIndex.set(p.name, k); });

  // Each product gets its own hue (golden-angle steps keep neighbours apart).
  function colour(product) {
    if (!product || !productIndex.has(product)) return "#d9dde3";
    var k = productIndex.get(product);
    return "hsl(" + ((k * 137.508) % 360).toFixed(1) + ", 62%, " + (k % 2 ? 78 : 70) + "%)";
  }

  function $(id) { return document.getElementById(id); }
  // el builds an element; text always goes through textContent, never HTML.
  function el(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "cls") e.className = attrs[k];
      else if (k === "onclick") e.addEventListener("click", attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    for (var a = 2; a < arguments.length; a++) { var c = arguments[a]; if (c != null) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); }
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function swatch(product) { var s = el("span", { cls: "swatch" }); s.style.background = colour(product); return s; }
  function tableLink(idx) {
    return el("li", { cls: "table-link", "data-table": tables[idx].name, onclick: function () { select(idx, true); } }, swatch(tables[idx].product), tables[idx].name);
  }
  function statusBadge(rule) {
    var s = rule.status || "unknown";
    var b = el("span", { cls: "status " + s, text: s + (rule.status === "fail" && rule.count ? " (" + rule.count + ")" : "") });
    if (rule.message) b.title = rule.message;
    return b;
  }

  // ---- Products ----
  function renderProducts() {
    var list = $("product-list");
    if (data.quality) {
      var q = data.quality;
      $("quality-run").appendChild(el("p", { cls: "muted", text: "Quality results from " + q.file + (q.checked_at ? ", checked " + q.checked_at : "") + (q.target ? " on " + q.target : "") + (q.unmatched ? " (" + q.unmatched + " results match no rule)" : "") }));
    }
    products.forEach(function (p) {
      var d = el("details", { cls: "product", "data-product": p.name });
      d.style.borderLeftColor = colour(p.name);
      d.appendChild(el("summary", null, swatch(p.name), p.name + " ", el("span", { cls: "count", text: (p.id ? p.id + " · " : "") + p.tables + (p.tables === 1 ? " table" : " tables") })));
      var dl = el("dl");
      function row(k, v) { if (v) { dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: v })); } }
      row("id", p.id); row("domain", p.domain); row("owner", p.team); row("contact", p.contact); row("about", p.description);
      row("manifest", p.manifest || "none: declare it in products/" + p.name + ".yaml");
      d.appendChild(dl);
      if (p.tags && p.tags.length) { var tg = el("div"); p.tags.forEach(function (t) { tg.appendChild(el("span", { cls: "tag", text: t })); }); d.appendChild(tg); }
      (p.ports || []).forEach(function (port) {
        var pd = el("div", { cls: "port" });
        var idx = byName.get(port.table);
        pd.appendChild(el("div", null, "port ", idx === undefined ? el("b", { text: port.table + " (missing)" }) : el("button", { cls: "link", text: port.table, onclick: function () { select(idx, true); } })));
        if (port.live_version) pd.appendChild(el("div", { cls: "live", text: "live version: " + port.live_version }));
        if (port.description) pd.appendChild(el("div", { cls: "muted", text: port.description }));
        if (port.consumers && port.consumers.length) pd.appendChild(el("div", { text: "consumers: " + port.consumers.join(", ") }));
        if (port.freshness) pd.appendChild(el("div", { text: "freshness: " + port.freshness }));
        (port.rules || []).forEach(function (r) { pd.appendChild(el("div", { cls: "rule" }, statusBadge(r), el("code", { text: r.text }))); });
        d.appendChild(pd);
      });
      // The table list is built when the card opens: thousands of items
      // per product would slow the first paint for nothing.
      d.addEventListener("toggle", function () {
        if (!d.open || d.dataset.filled) return;
        d.dataset.filled = "1";
        var ul = el("ul"), shown = 0, total = 0;
        for (var t = 0; t < n; t++) if (tables[t].product === p.name) { total++; if (shown < MAX_LIST) { ul.appendChild(tableLink(t)); shown++; } }
        d.appendChild(el("h4", { text: "tables" }));
        d.appendChild(ul);
        if (total > shown) d.appendChild(el("p", { cls: "muted", text: (total - shown) + " more: search for them" }));
      });
      list.appendChild(d);
    });
  }

  // ---- Search ----
  // search ranks exact names, then prefixes, then substrings, then tables
  // of a matching product. Cost: one pass over the lower-cased names.
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var hits = [];
    for (var t = 0; t < n; t++) {
      var s = lower[t], at = s.indexOf(q), rank;
      if (at === 0) rank = s.length === q.length ? 0 : 1;
      else if (at > 0) rank = 2;
      else if (tables[t].product && tables[t].product.toLowerCase().indexOf(q) >= 0) rank = 3;
      else continue;
      hits.push(rank * 1e7 + t);
    }
    hits.sort(function (a, b) { return a - b; });
    return hits.map(function (h) { return h % 1e7; });
  }
  function renderSearch() {
    var q = $("search").value, panel = $("search-panel"), ul = $("search-results");
    ul.textContent = "";
    if (!q.trim()) { panel.hidden = true; return; }
    var hits = search(q);
    panel.hidden = false;
    $("search-count").textContent = hits.length > MAX_RESULTS ? "(" + MAX_RESULTS + " of " + hits.length + ")" : "(" + hits.length + ")";
    var frag = document.createDocumentFragment();
    for (var k = 0; k < hits.length && k < MAX_RESULTS; k++) frag.appendChild(tableLink(hits[k]));
    ul.appendChild(frag);
    if (ul.firstChild) ul.firstChild.classList.add("active");
  }

  // ---- Graph ----
  // dragged is true from a pan until the click that ends it, so letting
  // go of a pan over a table does not select it.
  var view = { x: 20, y: 20, k: 1 }, focus = -1, selected = -1, drawn = new Map(), dragged = false;
  function applyView() { $("viewport").setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")"); }

  // neighbourhood collects the focus with `depth` levels of ancestors and
  // descendants, breadth first, stopping at MAX_NODES.
  function neighbourhood(start, depth) {
    var up = new Map([[start, 0]]), down = new Map([[start, 0]]), count = 1, truncated = false;
    var fu = [start], fd = [start];
    for (var lvl = 1; lvl <= depth && (fu.length || fd.length); lvl++) {
      var nu = [], nd = [];
      fu.forEach(function (v) { tables[v].parents.forEach(function (p) { if (!up.has(p)) { if (count >= MAX_NODES) { truncated = true; return; } up.set(p, lvl); nu.push(p); count++; } }); });
      fd.forEach(function (v) { children[v].forEach(function (c) { if (!down.has(c)) { if (count >= MAX_NODES) { truncated = true; return; } down.set(c, lvl); nd.push(c); count++; } }); });
      fu = nu; fd = nd;
    }
    return { up: up, down: down, truncated: truncated };
  }

  // columns gives each drawn table a column: ancestors left (negative),
  // descendants right, each at its longest path from the focus inside the
  // drawn set, so every edge points rightwards.
  function columns(nb) {
    var col = new Map([[focus, 0]]);
    function upCol(v) {
      if (col.has(v)) return col.get(v);
      var c = 0;
      children[v].forEach(function (ch) { if (nb.up.has(ch)) c = Math.min(c, upCol(ch) - 1); });
      col.set(v, c); return c;
    }
    function downCol(v) {
      if (col.has(v)) return col.get(v);
      var c = 0;
      tables[v].parents.forEach(function (p) { if (nb.down.has(p)) c = Math.max(c, downCol(p) + 1); });
      col.set(v, c); return c;
    }
    nb.up.forEach(function (_, v) { upCol(v); });
    nb.down.forEach(function (_, v) { downCol(v); });
    return col;
  }

  function draw() {
    var depth = +$("depth").value;
    var nb = neighbourhood(focus, depth), col = columns(nb);
    var cols = new Map();
    col.forEach(function (c, v) { if (!cols.has(c)) cols.set(c, []); cols.get(c).push(v); });
    var keys = Array.from(cols.keys()).sort(function (a, b) { return a - b; });
    var pos = new Map(), minC = keys[0];
    function byProduct(a, b) { var pa = tables[a].product || "", pb = tables[b].product || ""; return pa < pb ? -1 : pa > pb ? 1 : a - b; }
    // Place the focus column, then outward: each table sits near the
    // tables it links to in the column already placed, grouped by product.
    function place(c, ref) {
      var vs = cols.get(c);
      if (ref !== undefined) {
        var bary = new Map();
        vs.forEach(function (v) {
          var s = 0, m = 0, links = c < 0 ? children[v] : tables[v].parents;
          links.forEach(function (u) { if (col.get(u) === ref && pos.has(u)) { s += pos.get(u).y; m++; } });
          bary.set(v, m ? s / m : 0);
        });
        vs.sort(function (a, b) { return (bary.get(a) - bary.get(b)) || byProduct(a, b); });
      } else vs.sort(byProduct);
      var h = vs.length * (NODE_H + ROW_GAP);
      vs.forEach(function (v, r) { pos.set(v, { x: (c - minC) * (NODE_W + COL_GAP), y: r * (NODE_H + ROW_GAP) - h / 2 }); });
    }
    place(0);
    for (var c = -1; cols.has(c); c--) place(c, c + 1);
    for (c = 1; cols.has(c); c++) place(c, c - 1);

    var gEdges = $("edges"), gNodes = $("nodes");
    gEdges.textContent = ""; gNodes.textContent = "";
    drawn = new Map();
    var ef = document.createDocumentFragment(), nf = document.createDocumentFragment();
    pos.forEach(function (p, v) {
      tables[v].parents.forEach(function (u) {
        var q = pos.get(u);
        if (!q) return;
        var x1 = q.x + NODE_W, y1 = q.y + NODE_H / 2, x2 = p.x, y2 = p.y + NODE_H / 2, mx = (x1 + x2) / 2;
        ef.appendChild(svg("path", { "class": "edge", "data-from": tables[u].name, "data-to": tables[v].name, d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2, "marker-end": "url(#arrow)" }));
      });
      var t = tables[v];
      var g = svg("g", { "class": "node" + (t.stateful ? " stateful" : "") + (t.port ? " port" : "") + (v === focus ? " focus" : ""), "data-table": t.name, transform: "translate(" + p.x + "," + p.y + ")" });
      g.appendChild(svg("rect", { width: NODE_W, height: NODE_H, rx: 4, fill: colour(t.product) }));
      var label = svg("text", { x: 8, y: 17 });
      label.textContent = t.name.length > 30 ? t.name.slice(0, 29) + "…" : t.name;
      g.appendChild(label);
      var title = svg("title", {});
      title.textContent = t.name + (t.product ? " (" + t.product + ")" : "") + " · " + t.type + (t.stateful ? " · stateful" : "");
      g.appendChild(title);
      g.addEventListener("click", function (ev) { ev.stopPropagation(); if (!dragged) select(v, false); });
      g.addEventListener("dblclick", function (ev) { ev.stopPropagation(); select(v, true); });
      drawn.set(v, g);
      nf.appendChild(g);
    });
    gEdges.appendChild(ef); gNodes.appendChild(nf);
    $("graph-info").textContent = tables[focus].name + ": " + (nb.up.size - 1) + " ancestors and " + (nb.down.size - 1) + " descendants drawn, " + depth + " level" + (depth > 1 ? "s" : "") + " each way" + (nb.truncated ? "; stopped at the first " + MAX_NODES + " tables: lower the levels" : "");
    renderLegend();
    fit();
  }

  function renderLegend() {
    var seen = new Map();
    drawn.forEach(function (_, v) { var p = tables[v].product || ""; seen.set(p, (seen.get(p) || 0) + 1); });
    var lg = $("legend"); lg.textContent = "";
    Array.from(seen.keys()).sort().forEach(function (p) { lg.appendChild(el("span", { "data-product": p }, swatch(p), (p || "no product") + " (" + seen.get(p) + ")")); });
  }

  function fit() {
    var box = $("nodes").getBBox(), area = $("graph").getBoundingClientRect();
    if (!box.width || !area.width) return;
    var k = Math.min(area.width / (box.width + 40), area.height / (box.height + 40), 1.5);
    view.k = Math.max(k, 0.05);
    view.x = (area.width - box.width * view.k) / 2 - box.x * view.k;
    view.y = (area.height - box.height * view.k) / 2 - box.y * view.k;
    applyView();
  }
  function zoom(f, cx, cy) {
    var area = $("graph").getBoundingClientRect();
    if (cx === undefined) { cx = area.width / 2; cy = area.height / 2; }
    var k = Math.min(Math.max(view.k * f, 0.05), 4);
    view.x = cx - (cx - view.x) * (k / view.k);
    view.y = cy - (cy - view.y) * (k / view.k);
    view.k = k;
    applyView();
  }

  // reach walks the whole graph from v along next. Cost: O(V+E) at worst.
  function reach(v, next) {
    var seen = new Set(), stack = [v];
    while (stack.length) { var u = stack.pop(); next(u).forEach(function (w) { if (!seen.has(w)) { seen.add(w); stack.push(w); } }); }
    return seen;
  }

  // highlight marks the selected table, its ancestors and descendants (on
  // the whole graph, not only what is drawn) and dims the rest.
  function highlight(v) {
    var anc = reach(v, function (u) { return tables[u].parents; }), desc = reach(v, function (u) { return children[u]; });
    drawn.forEach(function (g, u) {
      g.classList.toggle("selected", u === v);
      g.classList.toggle("ancestor", anc.has(u));
      g.classList.toggle("descendant", desc.has(u));
      g.classList.toggle("dim", u !== v && !anc.has(u) && !desc.has(u));
    });
    var edges = $("edges").children;
    for (var k = 0; k < edges.length; k++) {
      var e = edges[k], from = byName.get(e.getAttribute("data-from")), to = byName.get(e.getAttribute("data-to"));
      var on = ((to === v || anc.has(to)) && anc.has(from)) || ((from === v || desc.has(from)) && desc.has(to));
      e.classList.toggle("lineage", on);
      e.classList.toggle("dim", !on);
    }
    return { ancestors: anc.size, descendants: desc.size };
  }

  // select shows a table's details and highlights its lineage; recentre
  // (or a table outside the drawn neighbourhood) redraws around it.
  function select(v, recentre) {
    if (recentre || !drawn.has(v)) { focus = v; draw(); }
    selected = v;
    var counts = highlight(v);
    renderDetails(v, counts);
    if (history.replaceState) history.replaceState(null, "", "#table=" + encodeURIComponent(tables[v].name));
  }

  // ---- Details ----
  function renderDetails(v, counts) {
    var t = tables[v], d = $("details");
    d.textContent = "";
    d.appendChild(el("h3", { id: "detail-name", text: t.name }));
    var meta = el("div");
    meta.appendChild(el("span", { cls: "badge", text: t.type }));
    meta.appendChild(el("span", { cls: "badge " + (t.stateful ? "stateful" : "stateless"), id: "state-class", text: t.stateful ? "stateful" + (t.state_reason ? ": " + t.state_reason : "") : "stateless" }));
    if (t.port) meta.appendChild(el("span", { cls: "badge port", text: "output port" }));
    d.appendChild(meta);
    d.appendChild(el("p", null, swatch(t.product), t.product ? "product " + t.product : "no product", " · " + counts.ancestors + " ancestors, " + counts.descendants + " descendants"));
    d.appendChild(el("button", { cls: "link", text: "Centre the graph on this table", onclick: function () { select(v, true); } }));
    var prod = products[productIndex.get(t.product)];
    (prod && prod.ports || []).forEach(function (port) {
      if (port.table !== t.name) return;
      d.appendChild(el("h4", { text: "Output port" + (port.freshness ? " · freshness " + port.freshness : "") }));
      if (port.live_version) d.appendChild(el("p", { cls: "live", text: "live version: " + port.live_version }));
      if (port.description) d.appendChild(el("p", { text: port.description }));
      (port.rules || []).forEach(function (r) { d.appendChild(el("div", { cls: "rule" }, statusBadge(r), el("code", { text: r.text }))); });
    });
    if (t.columns && t.columns.length) {
      d.appendChild(el("h4", { text: "Columns (" + t.columns.length + ")" }));
      var tb = el("table", { cls: "cols" }, el("tr", null, el("th", { text: "name" }), el("th", { text: "type" }), el("th", { text: "null" }), el("th", { text: "key" })));
      t.columns.forEach(function (c) { tb.appendChild(el("tr", null, el("td", { text: c.name }), el("td", { text: c.type }), el("td", { text: c.not_null ? "NOT NULL" : "" }), el("td", { text: c.key ? "PK" : "" }))); });
      d.appendChild(tb);
    }
    function list(title, idxs) {
      if (!idxs.length) return;
      d.appendChild(el("h4", { text: title + " (" + idxs.length + ")" }));
      var ul = el("ul");
      idxs.slice(0, MAX_LIST).forEach(function (u) { ul.appendChild(tableLink(u)); });
      d.appendChild(ul);
    }
    list("Reads", t.parents);
    list("Read by", children[v]);
    if (t.external && t.external.length) { d.appendChild(el("h4", { text: "External references" })); d.appendChild(el("ul", null, el("li", { text: t.external.join(", ") }))); }
    if (t.ddl) { d.appendChild(el("h4", { text: "DDL · " + t.ddl_path })); d.appendChild(el("pre", null, el("code", { text: t.ddl }))); }
    if (t.dml) { d.appendChild(el("h4", { text: "DML · " + t.dml_path })); d.appendChild(el("pre", null, el("code", { text: t.dml }))); }
  }

  // ---- Wiring ----
  function wire() {
    var s = $("search");
    s.addEventListener("input", renderSearch);
    s.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      var first = $("search-results").firstChild;
      if (first) select(byName.get(first.getAttribute("data-table")), true);
    });
    $("depth").addEventListener("change", function () { if (focus >= 0) { draw(); if (selected >= 0 && drawn.has(selected)) highlight(selected); } });
    $("zoom-in").addEventListener("click", function () { zoom(1.25); });
    $("zoom-out").addEventListener("click", function () { zoom(0.8); });
    $("fit").addEventListener("click", fit);
    var g = $("graph"), drag = null;
    g.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var r = g.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 1.1 : 1 / 1.1, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    g.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y }; dragged = false; g.classList.add("panning"); });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) dragged = true;
      view.x = drag.vx + dx; view.y = drag.vy + dy; applyView();
    });
    window.addEventListener("mouseup", function () { drag = null; g.classList.remove("panning"); });
  }

  // startTable is the one the address names (#table=NAME), else the first
  // output port, else the table with the most descendants in one level.
  function startTable() {
    var m = /^#table=(.+)$/.exec(location.hash);
    if (m && byName.has(decodeURIComponent(m[1]))) return byName.get(decodeURIComponent(m[1]));
    for (var k = 0; k < products.length; k++) {
      var ports = products[k].ports || [];
      for (var p = 0; p < ports.length; p++) if (byName.has(ports[p].table)) return byName.get(ports[p].table);
    }
    var best = 0;
    for (var t = 1; t < n; t++) if (children[t].length > children[best].length) best = t;
    return best;
  }

  $("stats").textContent = n + " tables · " + products.length + " products";
  renderProducts();
  wire();
  if (n) select(startTable(), true);
  else $("graph-info").textContent = "This tree has no tables.";
  // Tests and curious people read these: when the page became usable and
  // a way to time a search without the DOM.
  window.shiftleftCatalog = { started: started, parsed: parsed, ready: performance.now(), search: search, select: function (name) { select(byName.get(name), true); } };
  document.body.setAttribute("data-ready", "1");
})();
