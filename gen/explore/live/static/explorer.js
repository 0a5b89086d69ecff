// The explorer page. EXPLORER_DATA (embedded by gen/explore/live/page.py)
// says the mode: "live" asks the server for every picture, "static" (the
// export) shows tiles of pre-rendered sprite sheets next to this file.
"use strict";
(function () {
  const D = EXPLORER_DATA;
  const live = D.mode === "live";
  const R = D.resolution;
  const SCALE = 256 / R;             // the big views are 256 pixels wide
  const THUMB = 64 / R;
  const S = D.static || null;        // static: sheet layout
  const chairCount = live ? D.num_classes : S.chairs;
  const TURNTABLE_FRAMES = live ? 36 : S.azimuths;
  const $ = (id) => document.getElementById(id);

  const state = {
    chair: 0, chair2: Math.min(1, chairCount - 1), morph: 0, azimuth: 30,
    elevation: D.elevations[0], theta: D.theta_names.map(() => 0), newSeed: null,
  };
  let picking = "a", nextSeed = 0, playing = false;
  const explorer = window.explorer = {
    state, frames: 0, shown: null, lastLatency: null, errors: [],
    set: (name, value) => setSlider(name, value),
  };

  // ---- header --------------------------------------------------------
  const run = D.run;
  $("run").textContent = [
    run.workdir ? "Run " + run.workdir : "Generator file",
    run.origin,
    run.holdout ? "held out: " + run.holdout : null,
  ].filter(Boolean).join(" \u00b7 ");
  if (run.scores) {
    const part = (name, s) => name + ": " + Object.entries(s)
      .map(([k, v]) => k + " " + v).join(", ");
    $("scores").textContent = [
      part("held-out views", run.scores.heldout || {}),
      part("training views", run.scores.train || {}),
    ].join(" \u00b7 ");
  } else {
    $("scores").textContent = run.still_training
      ? "No scores yet: the run is still training." : "No metrics.json.";
  }

  // ---- sliders -------------------------------------------------------
  const sliders = {};
  function addSlider(name, label, min, max, step, value, format) {
    const row = document.createElement("label");
    const text = document.createElement("span");
    text.textContent = label;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min, max, step, value, id: "slider-" + name });
    const shown = document.createElement("span");
    shown.id = "value-" + name;
    row.append(text, input, shown);
    $("sliders").append(row);
    sliders[name] = { input, shown, format };
    input.addEventListener("input", () => changed(name, Number(input.value)));
  }
  const deg = (v) => (Math.round(v * 10) / 10) + "\u00b0";
  const lowEl = Math.min(...D.elevations), highEl = Math.max(...D.elevations);
  if (live) {
    addSlider("azimuth", "azimuth", 0, 360, 0.5, state.azimuth, deg);
    const [lo, hi] = D.elevation_slider;
    addSlider("elevation", "elevation", lo, hi, 0.5, state.elevation, (v) =>
      deg(v) + (v < lowEl || v > highEl ? " extrapolation" : " trained"));
    // The trained range, marked on the track.
    const a = 100 * (lowEl - lo) / (hi - lo), b = 100 * (highEl - lo) / (hi - lo);
    sliders.elevation.input.style.background =
      `linear-gradient(90deg, #f8bbd0 ${a}%, #c8e6c9 ${a}%, #c8e6c9 ${b}%, #f8bbd0 ${b}%)`;
    sliders.elevation.input.title = `trained: ${lowEl}\u00b0 to ${highEl}\u00b0; beyond: extrapolation`;
    addSlider("morph", "morph A \u2192 B", 0, 1, 0.01, 0, (v) => v.toFixed(2));
    D.theta_names.forEach((name, k) => addSlider("theta" + k, name, D.theta_range[0],
      D.theta_range[1], 0.01, 0, (v) => v.toFixed(2)));
  } else {
    const step = 360 / S.azimuths;
    addSlider("azimuth", "azimuth", 0, 360 - step, step, Math.round(30 / step) * step, deg);
    state.azimuth = Number(sliders.azimuth.input.value);
    addSlider("elevation", "elevation", 0, D.elevations.length - 1, 1, 0,
      (v) => deg(D.elevations[v]) + " trained");
    addSlider("morph", "morph A \u2192 next", 0, 1, 1 / (S.morph_weights - 1), 0,
      (v) => v.toFixed(3));
  }

  function setSlider(name, value) {
    sliders[name].input.value = value;
    changed(name, Number(sliders[name].input.value));
  }

  function changed(name, value) {
    if (name === "elevation" && !live) state.elevation = D.elevations[value];
    else if (name.startsWith("theta")) state.theta[Number(name.slice(5))] = value;
    else state[name] = value;
    if (!live && name === "morph") {
      // Morph sheets hold the first elevation and every morph_stride-th azimuth.
      sliders.elevation.input.disabled = value > 0;
    }
    explorer.eventQuery = query();
    explorer.eventTime = performance.now();
    update();
  }

  function showValues() {
    for (const [name, s] of Object.entries(sliders)) {
      const v = Number(s.input.value);
      s.shown.textContent = s.format(v);
      s.shown.className = name === "elevation" && live && (v < lowEl || v > highEl)
        ? "extrapolating" : "";
    }
    sliders.morph.input.disabled = state.newSeed !== null;
  }

  // ---- the chairs strip ----------------------------------------------
  const thumbs = live ? "api/thumbs.png" : "frames/thumbs.png";
  for (let c = 0; c < chairCount; c++) {
    const tile = document.createElement("div");
    tile.className = "thumb";
    tile.id = "chair-" + c;
    tile.title = "chair " + c;
    tile.style.backgroundImage = `url("${thumbs}")`;
    tile.style.backgroundSize = `${chairCount * 64}px 64px`;
    tile.style.backgroundPosition = `${-c * 64}px 0`;
    const number = document.createElement("span");
    number.textContent = c;
    tile.append(number);
    tile.addEventListener("click", () => pick(c));
    $("strip").append(tile);
  }
  function pick(c) {
    if (picking === "b" && live) state.chair2 = c; else state.chair = c;
    if (!live) state.chair2 = (state.chair + 1) % chairCount;
    state.newSeed = null;
    explorer.eventQuery = query();
    explorer.eventTime = performance.now();
    update();
  }
  $("pick-a").addEventListener("click", () => setPicking("a"));
  $("pick-b").addEventListener("click", () => setPicking("b"));
  function setPicking(which) {
    picking = which;
    $("pick-a").classList.toggle("picking", which === "a");
    $("pick-b").classList.toggle("picking", which === "b");
  }
  if (!live) $("pick-b").disabled = true;
  $("new-chair").disabled = !(live && D.new_chair);
  $("new-chair").addEventListener("click", () => {
    state.newSeed = nextSeed++;
    explorer.eventQuery = query();
    explorer.eventTime = performance.now();
    update();
  });

  // ---- pictures ------------------------------------------------------
  function query() {
    const q = new URLSearchParams();
    if (state.newSeed !== null) q.set("new", state.newSeed);
    else q.set("chair", state.chair);
    q.set("azimuth", state.azimuth);
    q.set("elevation", state.elevation);
    if (state.newSeed === null) {
      q.set("chair2", state.chair2);  // also the morph GIF's second chair
      if (state.morph > 0) q.set("morph", state.morph);
    }
    D.theta_names.forEach((name, k) => { if (state.theta[k]) q.set(name, state.theta[k]); });
    return q.toString();
  }

  function update() {
    showValues();
    document.querySelectorAll(".thumb").forEach((t, c) => {
      t.classList.toggle("a", state.newSeed === null && c === state.chair);
      t.classList.toggle("b", state.newSeed === null && state.morph > 0 && c === state.chair2);
    });
    const q = query();
    const gif = (kind) => `api/animation.gif?${q}&kind=${kind}&frames=${TURNTABLE_FRAMES}`;
    $("save-png").href = live ? "api/image.png?" + q : "#";
    $("save-turntable").href = live ? gif("turntable") : "#";
    $("save-morph").href = live ? gif("morph") : "#";
    for (const id of ["save-png", "save-turntable"]) $(id).classList.toggle("disabled", !live);
    $("save-morph").classList.toggle("disabled", !live || state.newSeed !== null);
    showNearest();
    if (live) request(); else showStatic();
  }

  // Live: one request in flight; moves made meanwhile are folded into one
  // request for the newest position, sent when the answer arrives, so no
  // stale picture is ever waited for and the last position always wins.
  let inFlight = false, pending = false, objectUrl = null;
  function request() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    pending = false;
    const q = query();
    const started = performance.now();
    fetch("api/frame.png?" + q)
      .then((r) => r.ok ? r.blob() : r.text().then((t) => { throw new Error(t); }))
      .then((blob) => {
        const url = URL.createObjectURL(blob);
        const img = new Image();
        img.src = url;
        return img.decode().then(() => {
          if (objectUrl) URL.revokeObjectURL(objectUrl);
          objectUrl = url;
          show(url, 0, 0, 1, Object.fromEntries(new URLSearchParams(q)),
            performance.now() - started, q);
        });
      })
      .catch((e) => { explorer.errors.push(e.message); $("status").textContent = e.message; })
      .finally(() => {
        inFlight = false;
        if (pending) request();
        else if (playing) setTimeout(step, 40);
      });
  }

  function showStatic() {
    const azStep = 360 / S.azimuths;
    const col = Math.round(state.azimuth / azStep) % S.azimuths;
    if (state.morph > 0) {
      const k = Math.round(state.morph * (S.morph_weights - 1));
      const columns = S.azimuths / S.morph_stride;
      const c = Math.round(col / S.morph_stride) % columns;
      show(`frames/morph_${state.chair}.png`, c * 2 * R, k * R, S.morph_weights, {
        chair: state.chair, chair2: state.chair2, morph: k / (S.morph_weights - 1),
        azimuth: c * S.morph_stride * azStep, elevation: D.elevations[0],
      });
    } else {
      const row = D.elevations.indexOf(state.elevation);
      show(`frames/chair_${state.chair}.png`, col * 2 * R, row * R, D.elevations.length, {
        chair: state.chair, chair2: state.chair2, morph: 0, azimuth: col * azStep,
        elevation: state.elevation,
      });
    }
    if (playing) setTimeout(step, 60);
  }

  // Shows the tile at (x, y) of a sheet of `rows` tiles high (image | mask,
  // 2R x R) in the big views; `view` says what it is a picture of.
  function show(src, x, y, rows, view, ms, q = query()) {
    for (const [id, dx] of [["image", 0], ["mask", R]]) {
      const el = $(id).style;
      el.backgroundImage = `url("${src}")`;
      el.backgroundSize = `auto ${256 * rows}px`;
      el.backgroundPosition = `${-(x + dx) * SCALE}px ${-y * SCALE}px`;
    }
    explorer.frames++;
    explorer.shown = { src, x, y, w: 2 * R, h: R, view, query: q };
    if (explorer.shown.query === explorer.eventQuery) {
      explorer.lastLatency = performance.now() - explorer.eventTime;
    }
    $("status").textContent = live ? `frame ${explorer.frames}: ${Math.round(ms)} ms` : "";
  }
  // The nearest real view of the chair that weighs more in the picture.
  function showNearest() {
    const label = $("nearest"), real = $("real").style;
    const chair = state.morph > 0.5 ? state.chair2 : state.chair;
    const views = D.real_views ? D.real_views[chair] : null;
    if (state.newSeed !== null || !views || !views.length) {
      real.backgroundImage = "none";
      label.textContent = state.newSeed !== null
        ? `new chair #${state.newSeed}: no real views`
        : "no real images known for this generator";
      explorer.nearest = null;
      return;
    }
    let best = -1, bestDistance = Infinity;
    views.forEach((v, k) => {
      let dAz = Math.abs(((v[1] - state.azimuth) % 360 + 360) % 360);
      dAz = Math.min(dAz, 360 - dAz);
      const d = dAz * dAz + (v[2] - state.elevation) ** 2;
      if (d < bestDistance) { best = k; bestDistance = d; }
    });
    const v = views[best];
    explorer.nearest = v;
    if (live) {
      real.backgroundImage = `url("api/real/${v[0]}.png")`;
      real.backgroundSize = "256px 256px";
      real.backgroundPosition = "0 0";
    } else {
      real.backgroundImage = `url("frames/real_${chair}.png")`;
      real.backgroundSize = `auto 256px`;
      real.backgroundPosition = `${-best * 256}px 0`;
    }
    label.textContent = `nearest real view of chair ${chair}: azimuth ${deg(v[1])}, ` +
      `elevation ${deg(v[2])}, ${v[3] ? "held out" : "a training view"}`;
  }

  // ---- turntable -----------------------------------------------------
  // The play button steps through the GIF's azimuths, k * 360 / frames.
  function step() {
    if (!playing) return;
    const k = Math.round(state.azimuth / (360 / TURNTABLE_FRAMES)) + 1;
    const next = (k % TURNTABLE_FRAMES) * (360 / TURNTABLE_FRAMES);
    sliders.azimuth.input.value = next;
    changed("azimuth", Number(sliders.azimuth.input.value));
  }
  $("play").addEventListener("click", () => {
    playing = !playing;
    $("play").textContent = playing ? "stop" : "play";
    if (playing) step();
  });

  // ---- the run's pictures ---------------------------------------------
  if (D.pictures.length) {
    for (const p of D.pictures) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "run/" + p;
      a.textContent = p;
      li.append(a);
      $("pictures").append(li);
    }
  } else {
    $("pictures-section").hidden = true;
  }

  explorer.eventQuery = query();
  explorer.eventTime = performance.now();
  update();
})();
