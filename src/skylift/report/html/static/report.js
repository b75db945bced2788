/* skylift report: draws the ECharts option documents, makes tables sortable and
   filterable, and (on dashboard pages) follows live progress over Server-Sent Events.
   No chart is drawn here by hand: every chart is an ECharts option from Python. */
(function () {
  "use strict";
  var PAGE = 100;
  var charts = [];

  function readData(root) {
    var el = (root || document).querySelector("#skylift-data");
    return el ? JSON.parse(el.textContent) : { charts: {}, tables: {} };
  }

  function drawCharts(root, data) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var option = data.charts[el.getAttribute("data-chart")];
      if (!option) { return; }
      var old = echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.setAttribute("data-drawn", String(chart.getOption().series.length));
      charts.push(chart);
    });
  }

  function cmp(a, b) {
    if (a === b) { return 0; }
    if (a === null || a === "" || a === undefined) { return 1; }
    if (b === null || b === "" || b === undefined) { return -1; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function text(v) { return v === null || v === undefined ? "" : String(v); }

  function buildTable(box, spec) {
    var state = { query: "", col: -1, dir: 1, shown: PAGE, open: -1 };
    var tools = document.createElement("div");
    tools.className = "table-tools";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "Filter…";
    input.className = "table-filter";
    var count = document.createElement("span");
    count.className = "table-count";
    tools.appendChild(input);
    tools.appendChild(count);
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    var table = document.createElement("table");
    var thead = document.createElement("thead");
    var hr = document.createElement("tr");
    spec.columns.forEach(function (name, i) {
      var th = document.createElement("th");
      th.textContent = name;
      th.setAttribute("data-col", String(i));
      th.title = "sort by " + name;
      th.addEventListener("click", function () {
        state.dir = state.col === i ? -state.dir : 1;
        state.col = i;
        render();
      });
      hr.appendChild(th);
    });
    thead.appendChild(hr);
    var tbody = document.createElement("tbody");
    table.appendChild(thead);
    table.appendChild(tbody);
    wrap.appendChild(table);
    var more = document.createElement("button");
    more.className = "table-more";
    more.textContent = "Show more";
    more.addEventListener("click", function () { state.shown += PAGE * 5; render(); });
    box.appendChild(tools);
    box.appendChild(wrap);
    box.appendChild(more);
    var index = spec.rows.map(function (_, i) { return i; });
    var haystack = spec.rows.map(function (r) { return r.map(text).join("\u0001").toLowerCase(); });

    function render() {
      var q = state.query.toLowerCase();
      var rows = q ? index.filter(function (i) { return haystack[i].indexOf(q) >= 0; }) : index.slice();
      if (state.col >= 0) {
        var c = state.col, d = state.dir;
        rows.sort(function (a, b) { return d * cmp(spec.rows[a][c], spec.rows[b][c]); });
      }
      thead.querySelectorAll("th").forEach(function (th, i) {
        th.className = i === state.col ? (state.dir > 0 ? "asc" : "desc") : "";
      });
      var frag = document.createDocumentFragment();
      rows.slice(0, state.shown).forEach(function (i) {
        var tr = document.createElement("tr");
        spec.rows[i].forEach(function (v) {
          var td = document.createElement("td");
          td.textContent = text(v);
          if (typeof v === "number") { td.className = "num"; }
          tr.appendChild(td);
        });
        if (spec.details) {
          tr.className = "has-detail";
          tr.addEventListener("click", function () { state.open = state.open === i ? -1 : i; render(); });
        } else if (spec.usage && spec.usage[i]) {
          tr.className = "has-detail";
          tr.tabIndex = 0;
          tr.setAttribute("data-usage-open", spec.usage[i]);
          var open = function () { openUsage(box, spec.usage[i]); };
          tr.addEventListener("click", open);
          tr.addEventListener("keydown", function (e) { if (e.key === "Enter") { open(); } });
        }
        frag.appendChild(tr);
        if (spec.details && state.open === i) {
          var dr = document.createElement("tr");
          dr.className = "detail";
          var td = document.createElement("td");
          td.colSpan = spec.columns.length;
          td.textContent = spec.details[i];
          dr.appendChild(td);
          frag.appendChild(dr);
        }
      });
      tbody.replaceChildren(frag);
      count.textContent = Math.min(rows.length, state.shown) + " of " + rows.length +
        (rows.length !== spec.rows.length ? " (filtered from " + spec.rows.length + ")" : "") + " rows";
      box.setAttribute("data-rows", String(rows.length));
      more.hidden = rows.length <= state.shown;
    }
    input.addEventListener("input", function () { state.query = input.value; state.shown = PAGE; render(); });
    render();
  }

  function drawTables(root, data) {
    root.querySelectorAll("[data-table]").forEach(function (box) {
      var spec = data.tables[box.getAttribute("data-table")];
      if (spec) { buildTable(box, spec); }
    });
  }

  /* Usage over time (Optimize): a panel is one workload's ECharts options from Python;
     its data table (the fallback) is read off the same options when opened. */
  function usageTable(p) {
    var table = document.createElement("table");
    var cols = ["bucket end (UTC)"], getters = [];
    var x = p.charts[0].option.xAxis.data;
    p.charts.forEach(function (c) {
      var what = c.title.split(" — ").pop();
      c.option.series.forEach(function (s) {
        if (s.data.length) {
          cols.push(what + " " + s.name);
          getters.push(function (i) { return s.data[i]; });
        } else if (s.markLine) {
          cols.push(what + " " + s.name);
          getters.push(function () { return s.markLine.data[0].yAxis; });
        }
      });
    });
    var cap = document.createElement("caption");
    cap.textContent = p.caption;
    var head = document.createElement("tr");
    cols.forEach(function (c) { var th = document.createElement("th"); th.scope = "col"; th.textContent = c; head.appendChild(th); });
    var thead = document.createElement("thead"), tbody = document.createElement("tbody");
    thead.appendChild(head);
    x.forEach(function (label, i) {
      var tr = document.createElement("tr");
      var th = document.createElement("th"); th.scope = "row"; th.textContent = label; tr.appendChild(th);
      getters.forEach(function (g) { var td = document.createElement("td"); td.className = "num"; td.textContent = text(g(i)); tr.appendChild(td); });
      tbody.appendChild(tr);
    });
    table.appendChild(cap); table.appendChild(thead); table.appendChild(tbody);
    return table;
  }

  function usagePanel(holder, p) {
    var art = document.createElement("article");
    art.className = "usage-panel";
    art.setAttribute("data-usage-id", p.id);
    var h = document.createElement("h4");
    h.textContent = p.title;
    var row = document.createElement("div");
    row.className = "charts";
    p.charts.forEach(function (c) {
      var fig = document.createElement("figure");
      fig.className = "chart-box";
      var cap = document.createElement("figcaption");
      cap.textContent = c.title;
      var el = document.createElement("div");
      el.className = "chart";
      el.style.height = "280px";
      el.setAttribute("data-usage-chart", c.id);
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", c.title);
      fig.appendChild(cap); fig.appendChild(el); row.appendChild(fig);
    });
    var det = document.createElement("details");
    det.className = "usage-table";
    var sum = document.createElement("summary");
    sum.textContent = "Data table";
    det.appendChild(sum);
    det.addEventListener("toggle", function () {
      if (det.open && !det.querySelector("table")) { det.appendChild(usageTable(p)); }
    });
    art.appendChild(h); art.appendChild(row); art.appendChild(det);
    holder.replaceChildren(art);
    art.querySelectorAll("[data-usage-chart]").forEach(function (el, i) {
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(p.charts[i].option);
      el.setAttribute("data-drawn", String(chart.getOption().series.length));
      charts.push(chart);
    });
  }

  function openUsage(from, id) {
    var box = from.closest(".usage");
    if (!box) { return; }
    var holder = box.querySelector(".usage-selected");
    var show = function (p) { usagePanel(holder, p); holder.scrollIntoView({ block: "nearest" }); };
    if (box.getAttribute("data-usage-source") === "fetch") {
      fetch("usage?id=" + encodeURIComponent(id), { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (p) { if (p) { show(p); } });
      return;
    }
    var found = false;
    box.querySelectorAll("script[data-usage-panel]").forEach(function (el) {
      if (el.getAttribute("data-usage-panel") === id) { show(JSON.parse(el.textContent)); found = true; }
    });
    if (!found) {  // one of the panels drawn at once
      box.querySelectorAll(".usage-shown [data-usage-id]").forEach(function (el) {
        if (el.getAttribute("data-usage-id") === id) { el.scrollIntoView({ block: "nearest" }); }
      });
    }
  }

  function drawUsage(root, data) {
    root.querySelectorAll("[data-usage-slot]").forEach(function (slot) {
      var p = (data.usage || {})[slot.getAttribute("data-usage-slot")];
      if (p) { usagePanel(slot, p); }
    });
  }

  function draw(root, data) {
    drawCharts(root, data);
    drawUsage(root, data);
    drawTables(root, data);
  }

  function human(n) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return n.toFixed(i ? 1 : 0) + " " + u[i];
  }

  function eta(s) {
    if (s === null || s === undefined) { return "–"; }
    s = Math.round(s);
    return s >= 3600 ? Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min"
      : s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function showRuns(runs) {
    var box = document.getElementById("live-runs");
    if (!box) { return; }
    var frag = document.createDocumentFragment();
    runs.forEach(function (r) {
      var div = document.createElement("div");
      div.className = "live-run";
      div.setAttribute("data-run", r.id);
      div.setAttribute("data-bytes", String(r.bytes_done));
      var label = document.createElement("span");
      label.textContent = r.kind + " → " + r.destination + (r.wave ? " (wave " + r.wave + ")" : "") + ": " +
        human(r.bytes_done) + " of " + human(r.bytes_total) + " at " + human(r.rate_bps) + "/s, ETA " + eta(r.eta_s);
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = r.percent;
      div.appendChild(bar);
      div.appendChild(label);
      frag.appendChild(div);
    });
    box.replaceChildren(frag);
    box.hidden = runs.length === 0;
  }

  function refreshSections() {
    document.querySelectorAll("[data-section]").forEach(function (sec) {
      var id = sec.getAttribute("data-section");
      fetch("fragment/" + id, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (doc) {
        if (!doc) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = doc.html;
        var fresh = holder.firstElementChild;
        sec.replaceWith(fresh);
        draw(fresh, doc.data);
      });
    });
  }

  function follow() {
    if (!window.EventSource) { return; }
    var source = new EventSource("events", { withCredentials: true });
    source.addEventListener("progress", function (e) { showRuns(JSON.parse(e.data)); });
    source.addEventListener("changed", function () { refreshSections(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document, readData(document));
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    if (document.body.getAttribute("data-live") === "1") { follow(); }
    document.body.setAttribute("data-ready", "1");
  });
})();
