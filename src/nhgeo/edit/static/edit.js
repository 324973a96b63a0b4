"use strict";
// nhgeo edit: the page. It talks only to its own server (the JSON API, with the session token) and puts every
// name into the page as text (textContent), never as markup.
(function () {
  const PALETTE = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD"];
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const TOKEN = params.get("token") || sessionStorage.getItem("nhgeo-token") || "";
  sessionStorage.setItem("nhgeo-token", TOKEN);
  if (params.has("token")) history.replaceState(null, "", location.pathname);  // keep the token out of sight

  const S = {
    version: 0, hoods: new Map(), order: [], labels: new Map(), members: new Map(), paths: new Map(),
    pts: new Map(), lsoaInfo: new Map(), wards: {}, las: {}, rules: {}, target: "", pending: 0,
    view: null, full: null, latencies: [], pieces: new Set(), found: new Set(), centres: new Map(),
  };
  window.nhgeo = {
    latencies: S.latencies, state: S, zoomTo: (codes) => zoomTo(codes),
    // where on screen an LSOA's label point is (tests and benchmarks click there)
    screenPoint: (code) => {
      const q = S.pts.get(code); const pt = svg.createSVGPoint(); pt.x = q[0]; pt.y = q[1];
      const r = pt.matrixTransform(svg.getScreenCTM()); return [r.x, r.y];
    },
  };

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(n) { return Math.round(n).toLocaleString("en-GB"); }
  function say(msg, kind) { const s = $("status"); s.textContent = msg; s.className = kind || ""; }

  async function api(method, path, body) {
    const opts = { method, headers: { "X-Nhgeo-Token": TOKEN } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    const r = await fetch(path, opts);
    const data = await r.json();
    if (!r.ok) { const e = new Error(data.error || r.statusText); e.status = r.status; e.data = data; throw e; }
    return data;
  }
  // changes go to the server one at a time, in order: a stroke made while the last is in flight waits for it
  // (and is sent with the version its answer brought), never dropped
  let chain = Promise.resolve(null);
  function post(path, body) {
    S.pending++;
    const run = async () => {
      try { return await api("POST", path, Object.assign({ version: S.version }, body || {})); }
      catch (e) {
        say(e.message, "error");
        if (e.status === 409 && e.data && e.data.code === "stale") await loadState();
        return null;
      } finally { S.pending--; }
    };
    const p = chain.then(run);
    chain = p.catch(() => null);
    return p;
  }

  // ------------------------------------------------------------------ map
  const svg = $("map"), gL = $("g-lsoa"), gT = $("g-labels"), brush = $("brush");

  function buildMap(m) {
    S.lsoaInfo.clear();
    const frag = document.createDocumentFragment();
    for (const u of m.lsoas) {
      const p = document.createElementNS(SVGNS, "path");
      p.setAttribute("d", u.d);
      p.dataset.code = u.c;
      S.paths.set(u.c, p);
      S.pts.set(u.c, [u.x, u.y, u.p]);
      S.lsoaInfo.set(u.c, u);
      frag.appendChild(p);
    }
    gL.appendChild(frag);
    S.wards = m.wards; S.las = m.las;
    S.home = m.bbox.slice();
    setView(m.bbox.slice());
  }
  function setView(v) {
    S.view = v;
    svg.setAttribute("viewBox", v.join(" "));
    placeLabels();
  }
  function mapPoint(evt) {
    const pt = svg.createSVGPoint(); pt.x = evt.clientX; pt.y = evt.clientY;
    return pt.matrixTransform(svg.getScreenCTM().inverse());
  }
  // the map's size on screen, read once and on resize: reading it after a repaint would force a layout of every path
  let box = null;
  window.addEventListener("resize", () => { box = null; placeLabels(); });
  function unitsPerPixel() {
    if (!box) { const r = svg.getBoundingClientRect(); box = [r.width, r.height]; }
    return Math.max(S.view[2] / box[0], S.view[3] / box[1]);
  }
  function zoom(f, cx, cy) {
    const v = S.view;
    if (cx === undefined) { cx = v[0] + v[2] / 2; cy = v[1] + v[3] / 2; }
    setView([cx - (cx - v[0]) * f, cy - (cy - v[1]) * f, v[2] * f, v[3] * f]);
  }
  function zoomTo(codes) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const c of codes) {
      const p = S.paths.get(c); if (!p) continue;
      const b = p.getBBox();
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y); x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
    }
    if (!isFinite(x0)) return;
    const pad = Math.max(x1 - x0, y1 - y0, 800) * 0.25;
    setView([x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad]);
  }
  function mark(codes, cls) {
    for (const p of gL.querySelectorAll("path." + cls)) p.classList.remove(cls);
    for (const c of codes) { const p = S.paths.get(c); if (p) p.classList.add(cls); }
  }

  function paint(code) {
    const p = S.paths.get(code); if (!p) return;
    const h = S.labels.get(code) || "";
    const hood = S.hoods.get(h);
    p.classList.toggle("free", !hood);
    p.classList.toggle("sel", h !== "" && h === S.target);
    p.classList.toggle("lk", !!(hood && hood.locked));
    p.classList.toggle("piece", S.pieces.has(code));
    p.setAttribute("fill", hood ? PALETTE[hood.colour % PALETTE.length] : "#fff");
  }
  function paintHood(id) { for (const c of S.members.get(id) || []) paint(c); }

  function centre(id) {  // population-weighted label point and east-west extent of a neighbourhood, cached
    if (S.centres.has(id)) return S.centres.get(id);
    const mem = S.members.get(id); if (!mem || !mem.size) return null;
    let sx = 0, sy = 0, sw = 0, x0 = Infinity, x1 = -Infinity;
    for (const c of mem) {
      const q = S.pts.get(c); const w = Math.max(q[2], 1);
      sx += q[0] * w; sy += q[1] * w; sw += w; x0 = Math.min(x0, q[0]); x1 = Math.max(x1, q[0]);
    }
    const out = [sx / sw, sy / sw, x0, x1];
    S.centres.set(id, out);
    return out;
  }
  function shortName(n) { const i = n.indexOf(": "); return i > 0 && i < 40 ? n.slice(i + 2) : n; }  // "LA: name"
  function placeLabels() {
    if (!S.view) return;
    gT.textContent = "";
    const upp = unitsPerPixel();
    const size = 12 * upp;
    const v = S.view;
    const frag = document.createDocumentFragment();
    let shown = 0;
    for (const id of S.order) {
      const cen = centre(id); if (!cen) continue;
      const [x, y, x0, x1] = cen;
      if (x < v[0] || x > v[0] + v[2] || y < v[1] || y > v[1] + v[3]) continue;
      const h = S.hoods.get(id);
      const name = shortName(h.name);
      if ((x1 - x0) / upp < Math.min(name.length, 22) * 5) continue;  // too small on screen to carry its label
      if (++shown > 300) break;
      const t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", x); t.setAttribute("y", y);
      t.setAttribute("font-size", size); t.setAttribute("stroke-width", 3 * upp);
      t.textContent = name.length > 24 ? name.slice(0, 23) + "…" : name;
      frag.appendChild(t);
    }
    gT.appendChild(frag);
  }

  // pointer: click, brush, whole ward, pan (drag), wheel zoom
  let drag = null;
  function tool() { return document.querySelector("input[name=tool]:checked").value; }
  function near(pt, r) {
    const out = [];
    for (const [c, q] of S.pts) { const dx = q[0] - pt.x, dy = q[1] - pt.y; if (dx * dx + dy * dy <= r * r) out.push(c); }
    return out;
  }
  function radius() { return +$("radius").value; }
  svg.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    svg.setPointerCapture(e.pointerId);
    const pt = mapPoint(e);
    const code = e.target && e.target.dataset ? e.target.dataset.code : null;  // before the capture retargets
    drag = { x: e.clientX, y: e.clientY, view: S.view.slice(), moved: false, brushed: new Set(), tool: tool(), code };
    if (drag.tool === "brush") brushAt(pt);
  });
  svg.addEventListener("pointermove", (e) => {
    const pt = mapPoint(e);
    if (tool() === "brush") { brush.setAttribute("cx", pt.x); brush.setAttribute("cy", pt.y); brush.setAttribute("r", radius()); }
    else brush.setAttribute("r", 0);
    const over = document.elementFromPoint(e.clientX, e.clientY);
    if (over && over.dataset && over.dataset.code) showInfo(over.dataset.code);
    if (!drag) return;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 4) drag.moved = true;
    if (drag.tool === "brush") { brushAt(pt); return; }
    if (drag.moved) {
      svg.classList.add("drag");
      const upp = unitsPerPixel();
      setViewQuick([drag.view[0] - (e.clientX - drag.x) * upp, drag.view[1] - (e.clientY - drag.y) * upp, drag.view[2], drag.view[3]]);
    }
  });
  function setViewQuick(v) { S.view = v; svg.setAttribute("viewBox", v.join(" ")); }
  svg.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const d = drag; drag = null;
    svg.classList.remove("drag");
    if (d.tool === "brush") { stroke([...d.brushed]); return; }
    if (d.moved) { placeLabels(); return; }
    let code = d.code;
    if (!code) {  // between simplified outlines: the LSOA whose label point is nearest, within 12 pixels
      const r = 12 * unitsPerPixel();
      const pt = mapPoint(e);
      let best = Infinity;
      for (const c of near(pt, r)) { const q = S.pts.get(c); const dd = (q[0] - pt.x) ** 2 + (q[1] - pt.y) ** 2; if (dd < best) { best = dd; code = c; } }
    }
    if (!code || d.tool === "pan") return;
    if (d.tool === "ward") {
      const w = (S.lsoaInfo.get(code) || {}).w;
      if (!w) { say("this LSOA has no ward in the data", "error"); return; }
      stroke([...S.lsoaInfo.values()].filter((u) => u.w === w).map((u) => u.c));
    } else stroke([code]);
  });
  function brushAt(pt) {
    for (const c of near(pt, radius())) {
      if (!drag.brushed.has(c)) { drag.brushed.add(c); const p = S.paths.get(c); if (p) p.classList.add("brushed"); }
    }
  }
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const pt = mapPoint(e);
    zoom(e.deltaY > 0 ? 1.25 : 0.8, pt.x, pt.y);
  }, { passive: false });
  svg.addEventListener("pointerleave", () => { brush.setAttribute("r", 0); });
  for (const r of document.querySelectorAll("input[name=tool]")) r.addEventListener("change", () => svg.classList.toggle("pan", tool() === "pan"));
  $("radius").addEventListener("input", () => { $("radius-v").textContent = $("radius").value + " m"; });
  $("z-in").addEventListener("click", () => zoom(0.67));
  $("z-out").addEventListener("click", () => zoom(1.5));
  $("z-fit").addEventListener("click", () => setView(S.home.slice()));
  svg.addEventListener("keydown", (e) => {
    const step = 0.2;
    const v = S.view;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) { e.preventDefault(); setView([v[0] + moves[e.key][0] * v[2], v[1] + moves[e.key][1] * v[3], v[2], v[3]]); }
    else if (e.key === "+" || e.key === "=") zoom(0.67);
    else if (e.key === "-") zoom(1.5);
  });

  function showInfo(code) {
    const u = S.lsoaInfo.get(code); if (!u) return;
    const h = S.hoods.get(S.labels.get(code) || "");
    $("info").textContent = `${u.c} ${u.n} · ${fmt(u.p)} people · ward ${S.wards[u.w] || "?"} · ` +
      (h ? `${h.id} ${h.name}` : "in no neighbourhood");
  }

  // ------------------------------------------------------------------ strokes and answers
  async function stroke(codes) {
    const t0 = performance.now();
    const to = S.target;
    const hood = S.hoods.get(to);
    for (const p of gL.querySelectorAll("path.brushed")) p.classList.remove("brushed");
    if (!hood) { say("choose a neighbourhood to paint into first", "error"); return; }
    if (hood.locked) { say(`${to} is locked: unlock it to paint into it`, "error"); return; }
    const move = codes.filter((c) => {
      const h = S.labels.get(c) || ""; const from = S.hoods.get(h);
      return h !== to && !(from && from.locked);
    });
    if (!move.length) { say("nothing to move (already there, or in a locked neighbourhood)"); return; }
    const r = await post("/api/move", { lsoas: move, to });
    if (r) { apply(r); S.latencies.push(performance.now() - t0); document.body.dataset.latency = (performance.now() - t0).toFixed(1); }
  }

  function setHood(h) {
    S.hoods.set(h.id, h);
  }
  function apply(r) {
    S.version = r.version;
    document.body.dataset.version = r.version;
    for (const [c, h] of Object.entries(r.labels || {})) {
      const old = S.labels.get(c) || "";
      S.centres.delete(old); S.centres.delete(h);
      if (S.members.has(old)) S.members.get(old).delete(c);
      S.labels.set(c, h);
      if (h) { if (!S.members.has(h)) S.members.set(h, new Set()); S.members.get(h).add(c); }
    }
    for (const id of r.removed || []) { S.hoods.delete(id); S.members.delete(id); }
    const changed = new Set(Object.keys(r.labels || {}));
    for (const h of r.neighbourhoods || []) {
      const was = S.hoods.get(h.id);
      setHood(h);
      if (!S.members.has(h.id)) S.members.set(h.id, new Set());
      if (!was || was.locked !== h.locked || was.colour !== h.colour) for (const c of S.members.get(h.id)) changed.add(c);
    }
    if (r.order) S.order = r.order;
    updatePieces(changed);
    for (const c of changed) paint(c);
    if (!S.hoods.has(S.target)) S.target = S.order[0] || "";
    renderHoodRows(r.neighbourhoods || [], r.removed || []);
    renderFindings(r.findings);
    renderWards(r.wards);
    buttons(r);
    say(r.note || "", "ok");
    placeLabels();
  }
  function updatePieces(changed) {
    const now = new Set();
    for (const h of S.hoods.values()) for (const part of (h.parts || []).slice(1)) for (const c of part) now.add(c);
    for (const c of S.pieces) if (!now.has(c)) changed.add(c);
    for (const c of now) if (!S.pieces.has(c)) changed.add(c);
    S.pieces = now;
  }
  function buttons(r) {
    $("b-undo").disabled = !r.can_undo;
    $("b-redo").disabled = !r.can_redo;
    $("b-save").textContent = r.unsaved ? "Save*" : "Save";
    document.title = (r.unsaved ? "* " : "") + "nhgeo edit";
  }

  // ------------------------------------------------------------------ side panel
  function bar(h) {
    const r = S.rules, top = r.max * 1.5;
    const b = el("div", { class: "bar", role: "img", "aria-label": `${fmt(h.population)} people; band ${fmt(r.min)} to ${fmt(r.max)}` });
    const band = el("div", { class: "band" }); band.style.left = (100 * r.min / top) + "%"; band.style.width = (100 * (r.max - r.min) / top) + "%";
    const fill = el("div", { class: "fill " + h.status }); fill.style.width = Math.min(100, 100 * h.population / top) + "%";
    const tgt = el("div", { class: "tgt" }); tgt.style.left = (100 * r.target / top) + "%";
    b.append(band, fill, tgt);
    return b;
  }
  function hoodRow(h) {
    const tr = el("tr", { "data-id": h.id });
    if (h.id === S.target) tr.className = "current";
    const nameBtn = el("button", { class: "hoodname", title: "Paint into this neighbourhood and zoom to it" });
    const sw = el("span", { class: "sw" }); sw.style.background = PALETTE[h.colour % PALETTE.length];
    nameBtn.append(sw, document.createTextNode(h.name + " "), el("small", {}, h.id));
    nameBtn.addEventListener("click", () => { selectTarget(h.id); zoomTo(S.members.get(h.id) || []); });
    const td0 = el("td"); td0.append(nameBtn);
    if (h.parts && h.parts.length > 1) td0.append(el("small", { class: "sev sev-error" }, `${h.parts.length} pieces`));
    const td1 = el("td"); td1.append(bar(h), el("span", { class: "num" }, `${fmt(h.population)} · ${h.lsoas} LSOAs`));
    const td2 = el("td");
    const lk = el("input", { type: "checkbox", "aria-label": `lock ${h.name}` }); lk.checked = h.locked;
    lk.addEventListener("change", async () => { const r = await post("/api/lock", { id: h.id, locked: lk.checked }); if (r) apply(r); else lk.checked = !lk.checked; });
    td2.append(lk);
    const td3 = el("td", { class: "acts" });
    const rn = el("button", { class: "mini", title: "Rename", "aria-label": `rename ${h.name}` }, "✎");
    rn.addEventListener("click", async () => {
      const name = prompt(`New name for ${h.id}`, h.name);
      if (name) { const r = await post("/api/rename", { id: h.id, name }); if (r) apply(r); }
    });
    const rm = el("button", { class: "mini", title: "Remove (its LSOAs become unassigned)", "aria-label": `remove ${h.name}` }, "✕");
    rm.addEventListener("click", async () => {
      if (!confirm(`Remove ${h.id} ${h.name}? Its ${h.lsoas} LSOAs will be in no neighbourhood until you paint them.`)) return;
      const r = await post("/api/remove", { id: h.id }); if (r) apply(r);
    });
    td3.append(rn, " ", rm);
    tr.append(td0, td1, td2, td3);
    return tr;
  }
  function renderHoodTable() {
    const tb = $("hoods").tBodies[0];
    tb.textContent = "";
    const frag = document.createDocumentFragment();
    for (const id of S.order) frag.appendChild(hoodRow(S.hoods.get(id)));
    tb.appendChild(frag);
    renderTargets();
  }
  function renderHoodRows(hoods, removed) {
    const tb = $("hoods").tBodies[0];
    const rows = new Map([...tb.rows].map((r) => [r.dataset.id, r]));
    let structural = removed.length > 0;
    for (const h of hoods) {
      const old = rows.get(h.id);
      if (old) old.replaceWith(hoodRow(h)); else structural = true;
    }
    if (structural || tb.rows.length !== S.order.length) renderHoodTable();
    else renderTargets();
  }
  function renderTargets() {
    const sel = $("target");
    const want = S.order.map((id) => id + "\u0000" + S.hoods.get(id).name + (S.hoods.get(id).locked ? " (locked)" : "")).join("\u0001");
    if (sel.dataset.sig !== want) {
      sel.textContent = "";
      for (const id of S.order) {
        const h = S.hoods.get(id);
        sel.appendChild(el("option", { value: id }, `${h.name} (${id})${h.locked ? " — locked" : ""}`));
      }
      sel.dataset.sig = want;
    }
    sel.value = S.target;
  }
  function selectTarget(id) {
    const old = S.target;
    S.target = id;
    $("target").value = id;
    for (const r of $("hoods").tBodies[0].rows) {
      r.classList.toggle("current", r.dataset.id === id);
      if (r.dataset.id === id) { const box = r.closest(".scroll"); box.scrollTop = r.offsetTop - box.clientHeight / 3; }
    }
    paintHood(old); paintHood(id);
  }
  $("target").addEventListener("change", () => selectTarget($("target").value));

  function renderFindings(fs) {
    const ul = $("findings");
    ul.textContent = "";
    const errors = fs.filter((f) => f.severity === "error").length;
    $("find-count").textContent = `${fs.length} (${errors} error${errors === 1 ? "" : "s"})`;
    for (const f of fs.slice(0, 300)) {
      const li = el("li");
      li.append(el("span", { class: "sev sev-" + f.severity }, f.severity), " ", el("b", {}, f.rule), " ");
      if (S.hoods.has(f.unit)) {
        const b = el("button", { title: "Zoom to it" }, f.unit);
        b.addEventListener("click", () => { selectTarget(f.unit); zoomTo(S.members.get(f.unit) || []); });
        li.append(b, " ");
      }
      li.append(document.createTextNode(f.message));
      if (f.parts) f.parts.slice(1).forEach((part, k) => {
        const b = el("button", { title: "Zoom to this detached piece" }, `piece ${k + 2}`);
        b.addEventListener("click", () => { zoomTo(part); mark(part, "found"); });
        li.append(" ", b);
      });
      if (f.fix) li.append(el("div", { class: "fix" }, "Fix: " + f.fix));
      ul.appendChild(li);
    }
    const stale = S.full && S.full.version !== S.version;
    $("find-note").textContent = "Population, contiguity, LA and ICB crossing, nesting and coverage are checked after every change" +
      (stale ? `; the other rules and the suggested fixes are as of the last full check (change ${S.full.version}).` : ".");
  }
  function renderWards(w) {
    const ul = $("wards"); ul.textContent = "";
    if (!w) { $("wards-sum").textContent = "No ward data for these LSOAs."; return; }
    $("wards-sum").textContent = `${fmt(w.split)} of ${fmt(w.wards)} wards split between neighbourhoods: ${fmt(w.forced)} forced by the arithmetic ` +
      `(the ward alone is above ${fmt(S.rules.max)}), ${fmt(w.avoidable)} avoidable; ${fmt(w.people_in_split_parts)} people outside their ward's main part.`;
    for (const x of w.avoidable_wards.slice(0, 60)) {
      const li = el("li"); const b = el("button", { title: "Zoom to the ward" }, x.name || x.code);
      b.addEventListener("click", () => { const cs = [...S.lsoaInfo.values()].filter((u) => u.w === x.code).map((u) => u.c); zoomTo(cs); mark(cs, "found"); });
      li.append(b); ul.appendChild(li);
    }
  }

  // ------------------------------------------------------------------ search and the keyboard route
  $("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = $("q").value.trim(); if (!q) return;
    let r;
    try { r = await api("GET", "/api/search?q=" + encodeURIComponent(q)); } catch (err) { say(err.message, "error"); return; }
    const ul = $("results"); ul.textContent = "";
    if (!r.results.length) { ul.appendChild(el("li", {}, "no match")); return; }
    for (const x of r.results) {
      const li = el("li"); const b = el("button");
      b.append(el("span", { class: "kindtag" }, x.kind), document.createTextNode(`${x.label} (${x.lsoas.length} LSOA${x.lsoas.length === 1 ? "" : "s"})`));
      b.addEventListener("click", () => { if (x.lsoas.length) { zoomTo(x.lsoas); mark(x.lsoas, "found"); fillPick(x.lsoas); } });
      li.appendChild(b); ul.appendChild(li);
    }
    ul.querySelector("button").focus();
  });
  function fillPick(codes) {
    const ul = $("pick"); ul.textContent = "";
    for (const c of codes.slice(0, 500)) {
      const u = S.lsoaInfo.get(c) || { n: "" };
      const h = S.hoods.get(S.labels.get(c) || "");
      const li = el("li"); const lab = el("label");
      const cb = el("input", { type: "checkbox", value: c });
      lab.append(cb, document.createTextNode(` ${c} ${u.n} — ${h ? h.name : "in no neighbourhood"}${h && h.locked ? " (locked)" : ""}`));
      li.appendChild(lab); ul.appendChild(li);
    }
  }
  $("pick").addEventListener("keydown", (e) => {
    const boxes = [...$("pick").querySelectorAll("input")];
    const i = boxes.indexOf(document.activeElement);
    if (e.key === "ArrowDown" && i >= 0 && i < boxes.length - 1) { e.preventDefault(); boxes[i + 1].focus(); }
    if (e.key === "ArrowUp" && i > 0) { e.preventDefault(); boxes[i - 1].focus(); }
  });
  $("b-all").addEventListener("click", () => { for (const b of $("pick").querySelectorAll("input")) b.checked = true; });
  $("b-none").addEventListener("click", () => { for (const b of $("pick").querySelectorAll("input")) b.checked = false; });
  $("b-move").addEventListener("click", async () => {
    const codes = [...$("pick").querySelectorAll("input:checked")].map((b) => b.value);
    if (!codes.length) { say("tick the LSOAs to move first", "error"); return; }
    await stroke(codes);
    fillPick([...$("pick").querySelectorAll("input")].map((b) => b.value));
  });

  // ------------------------------------------------------------------ commands
  async function undo() { const r = await post("/api/undo"); if (r) apply(r); }
  async function redo() { const r = await post("/api/redo"); if (r) apply(r); }
  async function save() {
    say("saving…");
    const r = await post("/api/save");
    if (!r) return;
    S.version = r.version;
    S.full = r.full_check;
    renderFindings(r.findings);
    buttons({ can_undo: !$("b-undo").disabled, can_redo: !$("b-redo").disabled, unsaved: false });
    const dropped = r.dropped_empty.length ? `; left out empty ${r.dropped_empty.join(", ")}` : "";
    const failing = r.failing_rules.length ? `; rules failing: ${r.failing_rules.join(", ")}` : "; every rule holds";
    say(`saved ${r.saved}${dropped}${failing}`, "ok");
  }
  async function check() {
    say("checking every rule…");
    const r = await post("/api/check");
    if (!r) return;
    S.full = r;
    const st = await api("GET", "/api/state");
    renderFindings(st.findings);
    say(`full check at change ${r.version}: ` + r.results.map((x) => `${x.rule} ${x.status}`).join(", "), "ok");
  }
  $("b-undo").addEventListener("click", undo);
  $("b-redo").addEventListener("click", redo);
  $("b-save").addEventListener("click", save);
  $("b-check").addEventListener("click", check);
  $("b-add").addEventListener("click", async () => {
    const name = prompt("Name of the new neighbourhood");
    if (!name) return;
    const place = (S.hoods.get(S.target) || {}).place || undefined;
    const r = await post("/api/add", { name, place });
    if (r) { apply(r); const id = r.neighbourhoods[0].id; S.order = r.order; renderHoodTable(); selectTarget(id); say(`added ${id}: paint LSOAs into it`, "ok"); }
  });
  $("b-restore").addEventListener("click", async () => {
    const r = await post("/api/restore");
    if (r) { render(r); say(`restored ${r.restored} change(s)`, "ok"); }
  });
  $("b-discard").addEventListener("click", async () => { const r = await post("/api/discard"); if (r) { render(r); say("earlier edits set aside", "ok"); } });
  document.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const k = e.key.toLowerCase();
    if (k === "z" && !e.shiftKey) { e.preventDefault(); undo(); }
    else if (k === "y" || (k === "z" && e.shiftKey)) { e.preventDefault(); redo(); }
    else if (k === "s") { e.preventDefault(); save(); }
  });

  // ------------------------------------------------------------------ whole state
  function render(st) {
    S.version = st.version; S.rules = st.rules; S.full = st.full_check;
    document.body.dataset.version = st.version;
    S.hoods.clear(); S.members.clear(); S.labels.clear(); S.centres.clear();
    S.order = st.neighbourhoods.map((h) => h.id);
    for (const h of st.neighbourhoods) { setHood(h); S.members.set(h.id, new Set()); }
    for (const [c, h] of Object.entries(st.labels)) { S.labels.set(c, h); if (h && S.members.has(h)) S.members.get(h).add(c); }
    if (!S.hoods.has(S.target)) S.target = S.order[0] || "";
    S.pieces = new Set();
    updatePieces(new Set());
    for (const c of S.paths.keys()) paint(c);
    $("title").textContent = `nhgeo edit: ${st.footprint.name}`;
    $("sub").textContent = `${st.footprint.path} · saves to ${st.footprint.saves_to} · ${st.neighbourhoods.length} neighbourhoods · ${S.labels.size.toLocaleString("en-GB")} LSOAs`;
    $("bandtext").textContent = `band ${fmt(st.rules.min)}–${fmt(st.rules.max)} (target ${fmt(st.rules.target)})`;
    const about = $("about"); about.textContent = "";
    for (const [k, v] of Object.entries(st.footprint.vintages)) about.append(el("dt", {}, k), el("dd", {}, v));
    renderHoodTable(); renderFindings(st.findings); renderWards(st.wards); buttons(st);
    $("banner").hidden = !st.restore;
    if (st.restore) $("banner-text").textContent = `This footprint has ${st.restore.changes} unsaved change(s) from an earlier session (journalled). Restore them?`;
    placeLabels();
  }
  async function loadState() { render(await api("GET", "/api/state")); }

  async function poll() {
    try {
      const v = await api("GET", "/api/version");
      if (v.version !== S.version && !S.pending) { await loadState(); say("updated: the footprint was changed in another tab or by a script"); }
    } catch (e) { say("the editor's server is not answering (stopped?): your saved journal keeps every accepted change", "error"); }
  }

  (async function start() {
    try {
      const [m, st] = await Promise.all([api("GET", "/api/map"), api("GET", "/api/state")]);
      buildMap(m);
      render(st);
      svg.dataset.ready = "1";
      say("ready: choose a neighbourhood, then click or brush LSOAs into it");
      setInterval(poll, 2000);
    } catch (e) { say("could not load: " + e.message, "error"); }
  })();
})();
