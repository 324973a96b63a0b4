"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const svg = document.getElementById("map"), box = document.getElementById("mapbox");
  const card = document.getElementById("card"), bar = document.getElementById("scalebar");
  const W = +svg.dataset.w, H = +svg.dataset.h, Q = +svg.dataset.q;
  const hoods = D.hoods, places = D.places, byId = {}, placeById = {};
  hoods.forEach(h => { byId[h.id] = h; });
  places.forEach(p => { placeById[p.id] = p; });
  const fmt = n => n == null ? "–" : Number(n).toLocaleString("en-GB");
  const pct = x => x == null ? "–" : Math.round(100 * x) + "%";
  const esc = s => String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const STATUS = {ok: "ok", warning: "warning / exception", failing: "failing"};
  const MARK = {present: "✔", nearby: "~", missing: "✘", "no-data": "?"};

  // ---- view box: pan and zoom
  let vb = {x: 0, y: 0, w: W, h: H};
  function k() { return Math.max(vb.w / box.clientWidth, vb.h / box.clientHeight); }
  function apply() {
    svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(v => v.toFixed(2)).join(" "));
    labels();
    scale();
  }
  function fit(x0, y0, x1, y1, pad) {
    const w = Math.max(x1 - x0, 1), h = Math.max(y1 - y0, 1), p = pad == null ? 0.08 : pad;
    vb = {x: x0 - w * p, y: y0 - h * p, w: w * (1 + 2 * p), h: h * (1 + 2 * p)};
    apply();
  }
  function zoom(f, cx, cy) {
    if (cx == null) { cx = vb.x + vb.w / 2; cy = vb.y + vb.h / 2; }
    const nw = Math.min(Math.max(vb.w * f, 20), W * 4), r = nw / vb.w;
    vb = {x: cx - (cx - vb.x) * r, y: cy - (cy - vb.y) * r, w: nw, h: vb.h * r};
    apply();
  }
  function toUser(ev) {
    const r = svg.getBoundingClientRect(), kk = k();
    const ox = (r.width * kk - vb.w) / 2, oy = (r.height * kk - vb.h) / 2;  // meet: centred
    return [vb.x - ox + (ev.clientX - r.left) * kk, vb.y - oy + (ev.clientY - r.top) * kk];
  }
  svg.addEventListener("wheel", ev => {
    ev.preventDefault();
    const [x, y] = toUser(ev);
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, x, y);
  }, {passive: false});
  let drag = null, moved = false;
  svg.addEventListener("pointerdown", ev => {
    drag = {x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y}; moved = false;
  });
  window.addEventListener("pointermove", ev => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!moved) { moved = true; svg.classList.add("drag"); }
    const kk = k();
    vb.x = drag.vx - dx * kk; vb.y = drag.vy - dy * kk;
    svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].map(v => v.toFixed(2)).join(" "));
  });
  window.addEventListener("pointerup", () => {
    if (drag && moved) { apply(); }
    drag = null; svg.classList.remove("drag");
  });
  svg.addEventListener("keydown", ev => {
    const s = vb.w * 0.1, keys = {
      "+": () => zoom(0.8), "=": () => zoom(0.8), "-": () => zoom(1.25),
      ArrowLeft: () => { vb.x -= s; apply(); }, ArrowRight: () => { vb.x += s; apply(); },
      ArrowUp: () => { vb.y -= s; apply(); }, ArrowDown: () => { vb.y += s; apply(); },
      Escape: () => unpin()};
    if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
  });
  document.getElementById("z-in").onclick = () => zoom(0.7);
  document.getElementById("z-out").onclick = () => zoom(1 / 0.7);
  document.getElementById("z-reset").onclick = () => fit(0, 0, W, H, 0.01);

  // ---- labels sized in screen pixels; shown only where they fit
  const hl = Array.from(document.querySelectorAll("#g-labels text"));
  const pl = Array.from(document.querySelectorAll("#g-plabels text"));
  const gl = document.getElementById("g-labels"), gp = document.getElementById("g-plabels");
  function labels() {
    const kk = k();
    gl.setAttribute("font-size", (12 * kk).toFixed(2)); gl.setAttribute("stroke-width", (3 * kk).toFixed(2));
    gp.setAttribute("font-size", (11.5 * kk).toFixed(2)); gp.setAttribute("stroke-width", (3 * kk).toFixed(2));
    const busy = {};
    const n = hl.reduce((a, t) => a + (+t.dataset.r / kk > 13 ? 1 : 0), 0), far = n < hl.length / 3;
    svg.classList.toggle("far", far);
    // a neighbourhood's name only where it fits whole (names are unique, so no two labels read the same)
    hl.forEach(t => {
      const r = +t.dataset.r / kk;
      const on = !far && 2 * r > 6.6 * +t.dataset.n + 8 && 2 * r > 15 * +t.dataset.l + 6;
      t.style.display = on ? "" : "none";
      if (on) busy[t.dataset.p] = 1;
    });
    // place names where their neighbourhoods are not labelled (the overview): full, short, or none
    pl.forEach(t => {
      if (!t.dataset.full) t.dataset.full = t.textContent;
      const w = 2.8 * (+t.dataset.r / kk) / 6.6, full = t.dataset.full, short = t.dataset.s;
      const text = busy[t.dataset.p] ? "" : full.length <= w ? full : short.length <= w ? short : "";
      t.style.display = text ? "" : "none";
      if (text && t.textContent !== text) t.textContent = text;
    });
  }
  function scale() {
    const mpp = k() * Q, target = 110 * mpp, p = Math.pow(10, Math.floor(Math.log10(target)));
    const nice = [1, 2, 5, 10].map(m => m * p).filter(v => v <= target).pop() || p;
    bar.innerHTML = "<i style='width:" + (nice / mpp).toFixed(0) + "px'></i>" +
      (nice >= 1000 ? (nice / 1000) + " km" : nice + " m");
  }

  // ---- card
  let pinned = null;
  const sel = document.getElementById("g-sel");
  function findingsOf(list) {
    if (!list || !list.length) return "<p>No findings.</p>";
    return "<ul>" + list.map(i => {
      const f = D.findings[i];
      return "<li><span class='sev sev-" + (f.severity === "error" ? "failing" : f.severity === "ok" ? "ok" : "warning") +
        "'>" + esc(f.severity) + "</span> <b>" + esc(f.rule) + "</b>: " + esc(f.message) +
        (f.fix ? "<br><i>Fix:</i> " + esc(f.fix) : "") + "</li>";
    }).join("") + "</ul>";
  }
  function imdBar(m) {
    if (!m || !m.length) return "–";
    const cols = ["#762a83", "#af8dc3", "#e7d4e8", "#d9f0d3", "#7fbf7b", "#dddddd"];
    const names = ["most deprived fifth", "2nd", "3rd", "4th", "least deprived fifth", "no IMD 2019 (new LSOA)"];
    return "<div class=imd role=img aria-label='" + m.map((x, i) => names[i] + " " + pct(x)).join(", ") + "'>" +
      m.map((x, i) => x > 0 ? "<span style='width:" + (100 * x).toFixed(1) + "%;background:" + cols[i] +
        "' title='" + names[i] + ": " + pct(x) + "'></span>" : "").join("") + "</div>" +
      "<small>most deprived fifth " + pct(m[0]) + " · least deprived fifth " + pct(m[4]) +
      (m[5] > 0 ? " · no IMD " + pct(m[5]) : "") + "</small>";
  }
  function needFor(h) {
    const n = h.need;
    if (!n || !D.measures.length) return "";
    const m = document.getElementById("need-m"), cur = m ? m.value : null;
    const show = D.measures.filter(x => x.id === cur || ["bad_health_pct", "disabled_pct", "unpaid_carers_pct",
      "qof.DM.prevalence_pct", "qof.HYP.prevalence_pct", "qof.DEP.prevalence_pct"].indexOf(x.id) >= 0);
    return "<b>Need</b> <small>(England decile of LSOAs, 10 = most need; ▲ top fifth of its place)</small><table>" +
      "<tr><th>registered / resident</th><td>" + (n.rr == null ? "–" : n.rr.toFixed(2)) + "</td></tr>" +
      show.map(x => "<tr><th>" + esc(x.label) + "</th><td>" + (n.v[x.id] == null ? "–" : n.v[x.id].toFixed(1)) +
        (n.d[x.id] ? " <small>d" + n.d[x.id] + "</small>" : "") + (n.top.indexOf(x.id) >= 0 ? " ▲" : "") + "</td></tr>").join("") +
      "</table>";
  }
  // ---- the LSOA under the pointer: its ring (in the LSOA layer's data, one path per LSOA) hit-tested on demand,
  // only among the LSOAs of the neighbourhood under the pointer
  const U = D.units || {code: [], name: [], ward: [], wards: [], pop: [], hood: []};
  const ctx = document.createElement("canvas").getContext("2d");
  let ringD = null, rings = {}, ringsOf = null;
  const lsel = document.getElementById("g-lsel");
  function lsoaAt(ev, hi) {
    if (!U.code.length || !ctx) return -1;
    if (!ringD) {
      ringD = document.getElementById("lsoa-d").textContent.split("|"); ringsOf = {};
      U.hood.forEach((h, j) => (ringsOf[h] = ringsOf[h] || []).push(j));
    }
    const [x, y] = toUser(ev);
    for (const j of ringsOf[hi] || []) {
      if (!rings[j]) rings[j] = new Path2D(ringD[j] || "M0 0");
      if (ctx.isPointInPath(rings[j], x / 2, y / 2, "evenodd")) return j;
    }
    return -1;
  }
  function outlineLsoa(j) {  // the LSOA under the pointer, outlined on the map
    if (!lsel) return;
    lsel.innerHTML = j != null && j >= 0 && ringD ? "<g transform='scale(2)'><path d='" + ringD[j] + "'/></g>" : "";
  }
  function lsoaLine(j) {
    if (j == null || j < 0) return U.code.length ? "<p class=lsoa-at><i>Point at the map for the LSOA under the pointer.</i></p>" : "";
    const w = U.wards[U.ward[j]];
    return "<p class=lsoa-at><b>LSOA</b> <code>" + esc(U.code[j]) + "</code> " + esc(U.name[j]) +
      (w ? " · ward " + esc(w) : "") + " · " + fmt(U.pop[j]) + " people</p>";
  }
  function lsoaList(h) {
    const mine = U.hood.map((x, j) => x === h.i ? j : -1).filter(j => j >= 0)
      .sort((a, b) => U.code[a] < U.code[b] ? -1 : 1);
    return "<table class=lsoas><thead><tr><th>LSOA</th><th>name</th><th>ward</th><th>people</th></tr></thead><tbody>" +
      mine.map(j => "<tr><td><code>" + esc(U.code[j]) + "</code></td><td>" + esc(U.name[j]) + "</td><td>" +
        esc(U.wards[U.ward[j]] || "") + "</td><td class=num>" + fmt(U.pop[j]) + "</td></tr>").join("") + "</tbody></table>";
  }
  function cardFor(h, j) {
    const p = placeById[h.place];
    let core = "";
    if (D.components.length) {
      core = "<tr><th>core offer</th><td>" + D.components.map(c => {
        const s = h.core[c.id] || "no-data";
        return "<span class='co co-" + s + "' title='" + esc(c.label + ": " + s) + "'>" + MARK[s] + " " + esc(c.label) + "</span>";
      }).join("<br>") + "</td></tr>";
    } else {
      core = "<tr><th>core offer</th><td>not checked (run <code>nhgeo coverage</code>)</td></tr>";
    }
    return "<button type=button class=close aria-label='Close card'>×</button>" +
      "<h3>" + esc(h.name) + "</h3><div><code>" + esc(h.id) + "</code> <span class='st st-" + h.status + "'>" +
      esc(h.raw_status) + "</span></div>" + lsoaLine(j) + "<table>" +
      "<tr><th>population</th><td>" + fmt(h.population) + "</td></tr>" +
      "<tr><th>LSOAs</th><td>" + fmt(h.n_lsoas) + "</td></tr>" +
      "<tr><th>aged 65+</th><td>" + pct(h.share_65_plus) + "</td></tr>" +
      "<tr><th>under 16</th><td>" + pct(h.share_under_16) + "</td></tr>" +
      "<tr><th>deprivation</th><td>" + imdBar(h.imd) + "</td></tr>" +
      "<tr><th>local authority</th><td>" + esc(h.la_name || h.la) + "</td></tr>" +
      (p ? "<tr><th>place</th><td>" + esc(p.name) + " <code>" + esc(p.id) + "</code> (" + fmt(p.population) + ")</td></tr>" : "") +
      core + "</table>" + needFor(h) +
      (h.reasons.length ? "<p><b>Why:</b> " + h.reasons.map(esc).join("; ") + "</p>" : "") +
      "<b>Findings</b>" + findingsOf(h.findings) +
      (U.code.length ? "<details class=lsoa-list><summary>List its " + fmt(h.n_lsoas) + " LSOAs</summary></details>" : "");
  }
  function show(h, j) {
    card.innerHTML = cardFor(h, j); card.hidden = false; card.dataset.id = h.id;
    const b = card.querySelector(".close"); if (b) b.onclick = unpin;
    const dl = card.querySelector(".lsoa-list");
    if (dl) dl.addEventListener("toggle", () => { if (dl.open && !dl.querySelector("table")) dl.insertAdjacentHTML("beforeend", lsoaList(h)); });
  }
  function showLsoa(j) {
    const el = card.querySelector(".lsoa-at");
    if (el) el.outerHTML = lsoaLine(j);
    outlineLsoa(j);
  }
  function highlight(h) {
    sel.innerHTML = "";
    const src = document.getElementById("h" + h.i);
    if (src) { const c = document.createElementNS("http://www.w3.org/2000/svg", "path"); c.setAttribute("d", src.getAttribute("d")); sel.appendChild(c); }
  }
  function pin(h, j) { pinned = h; show(h, j); highlight(h); }
  function unpin() { pinned = null; card.hidden = true; sel.innerHTML = ""; outlineLsoa(-1); }
  const g = document.getElementById("g-hoods");
  let shown = null, lastLsoa = -2;
  g.addEventListener("mousemove", ev => {
    const t = ev.target.closest(".hood"); if (!t || drag) return;
    const h = hoods[+t.dataset.i];
    if (pinned && pinned !== h) return;
    const j = lsoaAt(ev, h.i);
    if (!pinned && shown !== h) { show(h, j); outlineLsoa(j); shown = h; lastLsoa = j; }
    else if (j !== lastLsoa) { showLsoa(j); lastLsoa = j; }
  });
  g.addEventListener("mouseleave", () => { if (!pinned) { card.hidden = true; shown = null; outlineLsoa(-1); } });
  g.addEventListener("click", ev => {
    if (moved) return;
    const t = ev.target.closest(".hood"); if (!t) return;
    const h = hoods[+t.dataset.i];
    if (pinned === h) { unpin(); shown = null; } else { const j = lsoaAt(ev, h.i); pin(h, j); outlineLsoa(j); shown = h; }
  });

  function focusUnit(id) {
    let h = byId[id] || byId[D.lsoa[id]];
    const p = placeById[id];
    document.getElementById("s-map").scrollIntoView();
    if (h) { const b = h.bbox; fit(b[0], b[1], b[2], b[3], 0.6); pin(h); }
    else if (p) {
      const b = p.bbox; fit(b[0], b[1], b[2], b[3], 0.1); unpin();
      sel.innerHTML = "";
      p.neighbourhoods.forEach(i => { const s = document.getElementById("h" + i); if (s) { const c = document.createElementNS("http://www.w3.org/2000/svg", "path"); c.setAttribute("d", s.getAttribute("d")); sel.appendChild(c); } });
    }
  }
  document.querySelectorAll("a.unit").forEach(a => a.addEventListener("click", ev => { ev.preventDefault(); focusUnit(a.dataset.unit); }));

  // ---- layers and colour mode
  const vis = (el, on) => { if (on) el.removeAttribute("hidden"); else el.setAttribute("hidden", ""); };
  const toggle = (id, layer) => { const c = document.getElementById(id); if (c) c.onchange = () => vis(document.getElementById(layer), c.checked); };
  toggle("t-la", "g-la");
  const tlsoa = document.getElementById("t-lsoa"), glsoa = document.getElementById("g-lsoa");
  tlsoa.onchange = () => {
    const p = glsoa.querySelector("path"), src = document.getElementById("lsoa-d");
    if (tlsoa.checked && !p.hasAttribute("d")) p.setAttribute("d", src.textContent.split("|").join(""));
    vis(glsoa, tlsoa.checked);
  };
  const ts = document.getElementById("t-svc");
  if (ts) ts.onchange = () => { vis(document.getElementById("g-svc"), ts.checked); vis(document.querySelector(".lg-svc"), ts.checked); };
  const tl = document.getElementById("t-labels");
  tl.onchange = () => { vis(gl, tl.checked); vis(gp, tl.checked); };
  const needSel = document.getElementById("need-m");
  function colourNeed() {
    const key = needSel ? needSel.value : null;
    hoods.forEach(h => {
      const el = document.getElementById("h" + h.i); if (!el) return;
      for (let k = 1; k <= 10; k++) el.classList.remove("n" + k);
      el.classList.remove("nx", "top");
      const n = h.need, d = n && key ? n.d[key] : null;
      el.classList.add(d ? "n" + d : "nx");
      if (n && key && n.top.indexOf(key) >= 0) el.classList.add("top");
    });
  }
  function setMode() {
    const m = document.querySelector("input[name=mode]:checked"), v = m ? m.value : "place";
    svg.classList.toggle("by-status", v === "status"); svg.classList.toggle("by-place", v === "place");
    svg.classList.toggle("by-need", v === "need");
    if (v === "need") colourNeed();
    document.querySelector(".lg-status").hidden = v !== "status"; document.querySelector(".lg-place").hidden = v !== "place";
    const ln = document.querySelector(".lg-need"); if (ln) ln.hidden = v !== "need";
  }
  document.querySelectorAll("input[name=mode]").forEach(r => r.onchange = setMode);
  if (needSel) needSel.onchange = () => { const r = document.querySelector("input[name=mode][value=need]"); r.checked = true; setMode(); };
  toggle("t-icb", "g-icb");

  // ---- hierarchy table
  const rank = {ok: 0, warning: 1, failing: 2};
  function build() {
    const regions = {};
    const add = (o, key, mk) => (o[key] = o[key] || mk());
    hoods.forEach(h => {
      const r = add(regions, h.region, () => ({id: h.region, name: D.tree.regions[h.region] || h.region || "(region)", kids: {}}));
      const i = add(r.kids, h.icb, () => ({id: h.icb, name: D.tree.icbs[h.icb] || h.icb || "(ICB)", kids: {}}));
      const p = placeById[h.place];
      const pk = p ? p.id : "";
      const pn = add(i.kids, pk, () => p ? {id: p.id, name: p.name, status: p.status, raw: p.raw_status, pop: p.population, kids: {}}
        : {id: "", name: "(no place)", kids: {}});
      pn.kids[h.id] = {id: h.id, name: h.name, status: h.status, raw: h.raw_status, pop: h.population, count: h.n_lsoas, hood: h};
    });
    const roll = n => {
      if (!n.kids) return n;
      const kids = Object.values(n.kids).map(roll);
      n.list = kids;
      if (n.pop == null) n.pop = kids.reduce((a, c) => a + c.pop, 0);
      n.count = kids.reduce((a, c) => a + (c.hood ? 1 : c.count || 0), 0);
      if (n.status == null) n.status = kids.reduce((a, c) => rank[c.status] > rank[a] ? c.status : a, "ok");
      if (n.raw == null) n.raw = n.status;
      return n;
    };
    return Object.values(regions).map(roll);
  }
  const roots = build();
  const tbody = document.querySelector("#tree tbody");
  let sortKey = null, sortDir = 1;
  function cmp(a, b) {
    let x, y;
    if (sortKey === "population") { x = a.pop; y = b.pop; }
    else if (sortKey === "count") { x = a.count; y = b.count; }
    else if (sortKey === "status") { x = rank[a.status]; y = rank[b.status]; }
    else if (sortKey === "id") { x = a.id; y = b.id; }
    else { x = a.name; y = b.name; }
    return (x < y ? -1 : x > y ? 1 : (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * sortDir;
  }
  function render() {
    const rows = [];
    const walk = (list, lv) => {
      const l = sortKey ? list.slice().sort(cmp) : list;
      l.forEach(n => {
        rows.push("<tr tabindex=0 class='lv" + lv + "' data-unit='" + esc(n.id) + "'><td class=nm style='padding-left:" + (8 + 18 * lv) + "px'>" +
          esc(n.name) + "</td><td><code>" + esc(n.id) + "</code></td><td class=num>" + fmt(n.pop) + "</td><td class=num>" +
          fmt(n.count) + (n.hood ? " LSOAs" : "") + "</td><td><span class='st st-" + n.status + "'>" + esc(n.raw) + "</span></td></tr>");
        if (n.list) walk(n.list, lv + 1);
      });
    };
    walk(roots, 0);
    tbody.innerHTML = rows.join("");
  }
  render();
  document.querySelectorAll("#tree th button").forEach(b => b.onclick = () => {
    const key = b.dataset.k;
    sortDir = sortKey === key ? -sortDir : (key === "population" || key === "status" || key === "count" ? -1 : 1);
    sortKey = key;
    document.querySelectorAll("#tree th").forEach(th => th.setAttribute("aria-sort", "none"));
    b.parentElement.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
    render();
  });
  const go = tr => { const id = tr.dataset.unit; if (byId[id] || placeById[id]) focusUnit(id); };
  tbody.addEventListener("click", ev => { const tr = ev.target.closest("tr"); if (tr) go(tr); });
  tbody.addEventListener("keydown", ev => {
    const tr = ev.target.closest("tr"); if (!tr) return;
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); go(tr); }
    else if (ev.key === "ArrowDown" && tr.nextElementSibling) { ev.preventDefault(); tr.nextElementSibling.focus(); }
    else if (ev.key === "ArrowUp" && tr.previousElementSibling) { ev.preventDefault(); tr.previousElementSibling.focus(); }
  });

  // ---- need-profile table: click a column to sort (numbers high first, names A-Z)
  const need = document.getElementById("need");
  if (need) {
    const nb = need.querySelector("tbody");
    need.querySelectorAll("th button").forEach(b => b.onclick = () => {
      const c = +b.dataset.c, th = b.parentElement;
      const dir = th.getAttribute("aria-sort") === "descending" ? 1 : -1;
      const num = tr => { const t = tr.children[c].textContent.replace(/[^0-9.\-]/g, ""); return t === "" ? -Infinity : +t; };
      const rows = Array.from(nb.rows);
      const isNum = c >= 2;
      rows.sort((a, b) => isNum ? (num(a) - num(b)) * dir || 0 : a.children[c].textContent.localeCompare(b.children[c].textContent) * -dir);
      rows.forEach(r => nb.appendChild(r));
      need.querySelectorAll("th").forEach(x => x.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    });
  }

  window.addEventListener("resize", apply);
  fit(0, 0, W, H, 0.01);
  window.nhgeoReport = {focusUnit: focusUnit, pin: pin, unpin: unpin, zoom: zoom, fit: fit};
  svg.setAttribute("data-ready", "1");
})();
