// oscnet web view: plain JavaScript and <canvas>, no build step, no library.
// oscnet pushes frames (~30/s) and messages over one WebSocket; the page sends commands back.
"use strict";

const TRACE = 240;  // samples per input trace
const ROW = 38;  // pixels per input's band in the traces canvas
const query = window.location.search;  // carries the token when the web view has one
const view = { frames: 0, fps: 0, project: null, frame: null, traces: [], replies: 0, map: null };
window.oscnetView = view;  // for the tests and the curious
let socket = null, nextId = 1, dirty = false, mapId = null;
const touched = new Map();  // output index -> time a person last moved its slider
const pendingSet = new Map();  // output index -> value waiting to be sent (slider throttle)

const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}
// Text is written only when it changed: the page redraws 30 times a second and should cost little.
function setText(id, text) { const node = $(id); if (node && node.textContent !== text) node.textContent = text; }
const fmt = (v) => (v === null || v === undefined) ? "–" : (Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.001)
  ? v.toExponential(2) : (+v.toFixed(4)).toString());

// --- the connection ----------------------------------------------------------------------

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws${query}`);
  socket.onopen = () => { $("connection").textContent = "connected"; $("connection").className = "ok"; };
  socket.onclose = () => {
    $("connection").textContent = "disconnected: retrying…"; $("connection").className = "bad";
    setTimeout(connect, 1000);
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
}

function send(cmd, args = {}) {
  if (!socket || socket.readyState !== WebSocket.OPEN) { showError("not connected to oscnet"); return null; }
  const id = nextId++;
  socket.send(JSON.stringify({ cmd, id, ...args }));
  return id;
}

function showError(text) { $("error").textContent = text || ""; }

function receive(message) {
  switch (message.type) {
    case "frame": view.frame = message; view.frames++; view.firstFrameAt ||= performance.now(); countFrame(); addSample(message.sample); dirty = true; break;
    case "project": buildProject(message); break;
    case "log": addLog(message.lines); break;
    case "evaluation": showEvaluation(message.results); break;
    case "reply":
      view.replies++;
      if (message.id === mapId) { $("map-note").textContent = message.error; scheduleMap(); break; }
      showError(message.ok ? "" : message.error);
      break;
    case "map":
      message.values = message.values === null ? null : floats(message.values);
      message.dots = floats(message.dots);
      view.map = message; drawMap(message); scheduleMap(); break;
  }
}

let fpsCount = 0, fpsStart = performance.now();
function countFrame() {
  fpsCount++;
  const now = performance.now();
  if (now - fpsStart >= 1000) {
    view.fps = fpsCount * 1000 / (now - fpsStart);
    $("fps").textContent = `${view.fps.toFixed(0)} frames/s`;
    fpsCount = 0; fpsStart = now;
  }
}

// --- the project: inputs, outputs, map choices ------------------------------------------

function buildProject(p) {
  const old = view.project;
  view.project = p;
  $("project").textContent = `${p.name}: ${p.inputs.length} inputs at ${p.input_address}, ` +
    `${p.outputs.length} outputs to ${p.sending} ${p.output_address}`;
  const shape = (q) => JSON.stringify([q.inputs, q.outputs.map((o) => [o.name, o.describe, o.min, o.max, o.classes])]);
  if (old && shape(old) === shape(p)) {  // only a learner changed: keep the rows (and a slider being moved)
    p.outputs.forEach((o, k) => { $(`about-${k}`).textContent = `${o.describe}; ${o.learner}`; });
    return;
  }
  const inputs = $("inputs");
  inputs.replaceChildren();
  view.traces = p.inputs.map(() => new Float64Array(TRACE).fill(NaN));
  view.traceAt = 0;
  view.scales = null;  // the traces are drawn whole at the next frame
  // One canvas holds every trace (one band per input): one layer for the browser to draw, not one per input.
  const canvas = el("canvas", { id: "traces", width: TRACE, height: ROW * p.inputs.length, "aria-label": "input traces" });
  canvas.style.gridRow = `1 / span ${Math.max(1, p.inputs.length)}`;
  canvas.style.height = `${ROW * p.inputs.length}px`;
  inputs.append(canvas);
  p.inputs.forEach((name, i) => {
    const label = el("span", { class: "name", text: name, title: name }), value = el("output", { class: "value", id: `input-${i}` });
    label.style.gridRow = value.style.gridRow = `${i + 1}`;  // set through the DOM: the page's CSP allows no style attributes
    inputs.append(label, value);
  });
  const outputs = $("outputs");
  outputs.replaceChildren();
  p.outputs.forEach((o, k) => outputs.append(outputRow(o, k)));
  fillSelect($("map-output"), p.outputs.map((o) => o.name).filter((_, k) => p.outputs[k].type !== "dtw"),
    p.outputs.map((_, k) => k).filter((k) => p.outputs[k].type !== "dtw"));
  fillSelect($("map-x"), p.inputs, p.inputs.map((_, i) => i));
  fillSelect($("map-y"), p.inputs, p.inputs.map((_, i) => i), 1);
  requestMap();
}

function fillSelect(select, names, values, pick = 0) {
  const old = select.value;
  select.replaceChildren(...names.map((n, i) => el("option", { value: values[i], text: n })));
  if ([...select.options].some((o) => o.value === old)) select.value = old;
  else if (select.options.length > pick) select.selectedIndex = pick;
}

function outputRow(o, k) {
  const row = el("div", { class: "output", id: `output-${k}` });
  const head = el("div", { class: "head" }, el("span", { class: "name", text: o.name, title: o.name }),
    el("span", { class: "small", id: `about-${k}`, text: `${o.describe}; ${o.learner}` }));
  row.append(head);
  if (o.type === "dtw") {
    row.append(el("div", { class: "small", text: `gestures: ${o.gestures.join(", ")}` }));
  } else {
    const classifier = o.type === "classifier";
    const min = classifier ? 1 : o.min, max = classifier ? o.classes : o.max;
    const step = (classifier || o.integer) ? 1 : (max - min) / 100;
    const slider = el("input", { type: "range", id: `slider-${k}`, min, max, step, value: min,
      "aria-label": `${o.name} value` });
    slider.addEventListener("input", () => {
      touched.set(k, performance.now());
      pendingSet.set(k, +slider.value);
      $(`value-${k}`).textContent = fmt(+slider.value);
    });
    row.append(el("div", { class: "slider" }, slider, el("output", { class: "value", id: `value-${k}` })));
    if (classifier) row.append(el("div", { class: "small", text: `classes 1…${o.classes}` }));
  }
  const switches = el("div", { class: "switches small" });
  for (const what of ["record", "run", "train"]) {
    const box = el("input", { type: "checkbox", id: `${what}-${k}` });
    box.addEventListener("change", () => send("switch", { output: k, what, on: box.checked }));
    switches.append(el("label", {}, box, ` ${what}`));
  }
  switches.append(el("span", { class: "model", id: `model-${k}` }), el("span", { id: `count-${k}` }));
  row.append(switches);
  return row;
}

// Slider moves are sent at most every 50 ms, the newest value each time.
setInterval(() => {
  for (const [k, value] of pendingSet) send("set_output", { output: k, value });
  pendingSet.clear();
}, 50);

// --- frames --------------------------------------------------------------------------------

function addSample(sample) {
  if (!sample || !view.project || sample.length !== view.traces.length) return;
  const at = view.traceAt;
  sample.forEach((v, i) => { view.traces[i][at] = v === null ? NaN : v; });
  view.traceAt = (at + 1) % TRACE;
  view.newSamples = (view.newSamples || 0) + 1;
  view.lastSample = sample;
}

function render() {
  requestAnimationFrame(render);
  if (!dirty || !view.frame || !view.project) return;
  dirty = false;
  const f = view.frame, p = view.project;
  setText("state", f.state);
  $("state").className = f.state.split(",")[0];
  setText("status", f.status);
  const bar = $("progress");
  bar.hidden = !f.training;
  if (f.training) { bar.max = Math.max(1, f.training[1]); bar.value = f.training[0]; }
  const bad = Object.entries(f.problems).map(([kind, n]) => `${kind} ${n}`).join(", ") || "none";
  setText("rate", `${f.rate.toFixed(0)} messages/s; ${f.received} received; bad input: ${bad}`);
  if (view.lastSample) view.lastSample.forEach((v, i) => setText(`input-${i}`, fmt(v)));
  if (view.newSamples) drawTraces($("traces"), view.traces, view.traceAt, view.newSamples);
  view.newSamples = 0;
  const now = performance.now();
  p.outputs.forEach((o, k) => {
    const [count, trained, version, rec, run, train] = f.outputs[k] || [];
    const value = f.values[k];
    const slider = $(`slider-${k}`);
    // The slider follows the session's value (the model's, while running) unless a person moved it just now.
    if (slider && !(now - (touched.get(k) || -1e9) < 1000) && !pendingSet.has(k) && value !== null &&
        Math.abs(+slider.value - value) >= +slider.step / 2) slider.value = value;  // moved only when it shows
    if (!(now - (touched.get(k) || -1e9) < 1000)) setText(`value-${k}`, fmt(value));
    $(`record-${k}`).checked = rec; $(`run-${k}`).checked = run; $(`train-${k}`).checked = train;
    const epoch = f.epochs && f.epochs[k];  // a network training now: how far, and its error
    setText(`model-${k}`, epoch ? `training: epoch ${epoch[0]} of ${epoch[1]}, error ${fmt(epoch[2])}`
      : trained ? `trained (v${version})` : "untrained");
    $(`output-${k}`).classList.toggle("trained", !!trained);
    setText(`count-${k}`, `${count} examples`);
  });
}

// The traces scroll: each frame moves the picture left by the new samples and draws only those,
// so the browser redraws a few pixels, not every line (a full redraw when a value leaves the
// scale, and every few seconds so that the scale follows what is on screen).
let fullDrawAt = 0;
function drawTraces(canvas, traces, at, added) {
  if (!canvas) return;
  const g = canvas.getContext("2d", { alpha: false }), w = canvas.width, H = canvas.height;
  const now = performance.now();
  let full = !view.scales || added >= TRACE || now - fullDrawAt > 5000;
  if (!full) {
    for (let i = 0; i < traces.length && !full; i++) {
      for (let j = 1; j <= added; j++) {
        const v = traces[i][(at - j + TRACE) % TRACE];
        if (!Number.isNaN(v) && (v < view.scales[i][0] || v > view.scales[i][1])) { full = true; break; }
      }
    }
  }
  const start = full ? 0 : w - added - 1;  // the columns drawn now: from the last sample drawn before
  if (full) {
    fullDrawAt = now;
    view.scales = traces.map((trace) => {
      let lo = Infinity, hi = -Infinity;
      for (const v of trace) if (!Number.isNaN(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (lo === Infinity) return [0, 1];
      if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
      const margin = (hi - lo) * 0.1;
      return [lo - margin, hi + margin];
    });
  } else {
    g.drawImage(canvas, added, 0, w - added, H, 0, 0, w - added, H);
  }
  g.fillStyle = "#111317"; g.fillRect(start + 1, 0, w - start - 1, H);
  if (full) g.fillRect(0, 0, 1, H);
  g.strokeStyle = "#2c313a"; g.lineWidth = 1; g.beginPath();
  for (let i = 1; i < traces.length; i++) { g.moveTo(start, i * ROW + 0.5); g.lineTo(w, i * ROW + 0.5); }
  g.stroke();
  g.strokeStyle = "#4fb3ff"; g.lineWidth = 1.5;
  traces.forEach((trace, i) => {
    const [lo, hi] = view.scales[i], top = i * ROW + 3, h = ROW - 6;
    g.beginPath();
    let pen = false;
    for (let j = start; j < TRACE; j++) {  // column j shows the sample TRACE - j before the newest
      const v = trace[(at + j) % TRACE];
      if (Number.isNaN(v)) { pen = false; continue; }
      const y = top + h - (v - lo) / (hi - lo) * h;
      if (pen) g.lineTo(j, y); else g.moveTo(j, y);
      pen = true;
    }
    g.stroke();
  });
}

// --- the model map -------------------------------------------------------------------------

let mapTimer = null, mapWaiting = false;
function requestMap() {
  clearTimeout(mapTimer);
  const k = $("map-output").value, x = $("map-x").value, y = $("map-y").value;
  if (k === "" || x === "" || y === "" || mapWaiting) return;
  if (x === y) { $("map-note").textContent = "choose two different inputs"; return; }
  mapId = send("map", { output: +k, x: +x, y: +y });
  mapWaiting = mapId !== null;
  if (!mapWaiting) mapTimer = setTimeout(requestMap, 1000);
}
function scheduleMap() {
  mapWaiting = false;
  clearTimeout(mapTimer);
  mapTimer = setTimeout(requestMap, document.hidden ? 2000 : 250);
}
for (const id of ["map-output", "map-x", "map-y"]) $(id).addEventListener("change", () => { mapWaiting = false; requestMap(); });

const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];  // viridis-like
const CLASSES = [[120, 120, 120], [230, 85, 13], [49, 130, 189], [49, 163, 84], [117, 107, 177], [222, 45, 38],
  [253, 174, 107], [107, 174, 214], [161, 217, 155], [188, 189, 220], [255, 215, 0]];
function colour(m, v) {
  if (v === null || Number.isNaN(v)) return [0, 0, 0];  // no value (NaN in the float32 arrays)
  if (m.classifier) return CLASSES[Math.round(v) % CLASSES.length];
  const t = Math.min(1, Math.max(0, (v - m.vrange[0]) / ((m.vrange[1] - m.vrange[0]) || 1))) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i;
  return RAMP[i].map((c, j) => Math.round(c + (RAMP[i + 1][j] - c) * f));
}

// The map's numbers come as little-endian float32 in base64 (see modelmap.message).
function floats(base64) {
  const text = atob(base64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

function drawMap(m) {
  const canvas = $("map"), g = canvas.getContext("2d", { alpha: false }), W = canvas.width, H = canvas.height;
  const pad = 34, w = W - pad - 8, h = H - pad - 8;
  g.fillStyle = "#111317"; g.fillRect(0, 0, W, H);
  if (m.values) {
    const n = m.size, image = new ImageData(n, n);
    const data = image.data;
    m.values.forEach((v, i) => { const c = colour(m, v); data[4 * i] = c[0]; data[4 * i + 1] = c[1]; data[4 * i + 2] = c[2]; data[4 * i + 3] = 255; });
    const tile = document.createElement("canvas");
    tile.width = n; tile.height = n; tile.getContext("2d").putImageData(image, 0, 0);
    g.imageSmoothingEnabled = !m.classifier;
    g.drawImage(tile, pad, 8, w, h);
  }
  const px = (x) => pad + (x - m.xrange[0]) / (m.xrange[1] - m.xrange[0]) * w;
  const py = (y) => 8 + h - (y - m.yrange[0]) / (m.yrange[1] - m.yrange[0]) * h;
  for (let i = 0; i + 2 < m.dots.length; i += 3) {
    const x = m.dots[i], y = m.dots[i + 1], c = colour(m, m.dots[i + 2]);
    g.beginPath(); g.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
    g.fillStyle = `rgb(${c})`; g.fill(); g.lineWidth = 1; g.strokeStyle = "#fff"; g.stroke();
  }
  const hx = px(m.held[m.x]), hy = py(m.held[m.y]);
  g.strokeStyle = "#ff5a5a"; g.lineWidth = 1.5; g.beginPath();
  g.moveTo(hx - 8, hy); g.lineTo(hx + 8, hy); g.moveTo(hx, hy - 8); g.lineTo(hx, hy + 8); g.stroke();
  g.fillStyle = "#9aa1ad"; g.font = "11px sans-serif";
  g.fillText(`${m.axes[0]} ${fmt(m.xrange[0])} … ${fmt(m.xrange[1])}`, pad, H - 10);
  g.save(); g.translate(14, 8 + h); g.rotate(-Math.PI / 2);
  g.fillText(`${m.axes[1]} ${fmt(m.yrange[0])} … ${fmt(m.yrange[1])}`, 0, 0); g.restore();
  $("map-note").textContent = (m.trained ? `${m.name} over ${m.axes[0]} × ${m.axes[1]}, other inputs held` +
    ` at their current values (+); ${m.n_dots} examples as dots` : `${m.name} has no model yet: train ` +
    `it; the dots are its ${m.n_dots} examples`) + (m.classifier ? "; colours are classes" :
    `; colour ${fmt(m.vrange[0])} (dark) … ${fmt(m.vrange[1])} (bright)`);
}

// --- evaluation and messages -------------------------------------------------------------

const FIGURES = [["correct_pct", "correct %"], ["kappa", "kappa"], ["correlation", "correlation"], ["mae", "MAE"],
  ["rmse", "RMSE"], ["rae", "RAE %"], ["rrse", "RRSE %"], ["n", "examples"]];
function showEvaluation(results) {
  const used = FIGURES.filter(([key]) => results.some((r) => key in r.figures));
  const table = el("table", { id: "evaluation-table" },
    el("tr", {}, el("th", { text: "output" }), ...used.map(([, label]) => el("th", { text: label }))));
  for (const r of results) {
    const row = el("tr", {}, el("td", { text: r.name }));
    if (r.error) row.append(el("td", { text: r.error, colspan: used.length }));
    else for (const [key] of used) row.append(el("td", { text: key in r.figures ? fmt(r.figures[key]) : "" }));
    table.append(row);
  }
  $("evaluation").replaceChildren(el("div", { text: "Weka's 10-fold cross-validation:" }), table);
}

function addLog(lines) {
  const list = $("log");
  for (const [level, text] of lines) list.append(el("li", { class: level, text }));
  while (list.children.length > 100) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

// --- the buttons ---------------------------------------------------------------------------

const BUTTONS = { record: "record", stop: "stop", train: "train", cancel: "cancel", run: "run",
  "delete-last": "delete_last", "delete-all": "delete_all", evaluate: "evaluate" };
for (const [id, cmd] of Object.entries(BUTTONS)) $(id).addEventListener("click", () => {
  if (cmd === "delete_all" && !confirm("Delete every example?")) return;
  if (cmd === "evaluate") $("evaluation").textContent = "evaluating…";
  send(cmd);
});

connect();
requestAnimationFrame(render);
