// reactlens live dashboard: one WebSocket (/live) brings the board's state (JSON, four times a second, only
// what changed) and each camera's newest picture (binary: "camera\n" + JPEG). Charts are the vendored uPlot.
(function () {
  "use strict";
  const LAUGH = "#ffa514";
  const dash = { updates: 0, tiles: {}, audiences: {}, mode: null, ended: false };
  window.reactlensDashboard = dash;

  function clock(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
  }
  const percent = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(0) + "%");

  // Per-second points sorted by second; a point sent again (a late laugh, a camera joining the combined
  // curve) replaces the one held.
  class Curve {
    constructor() { this.reset([]); }
    reset(labels) { this.labels = labels; this.rows = []; }
    put(rows) {
      rows.forEach((row) => {
        const at = this.find(row[0]);
        if (at < this.rows.length && this.rows[at][0] === row[0]) this.rows[at] = row;
        else this.rows.splice(at, 0, row);
      });
    }
    find(second) {
      let lo = 0, hi = this.rows.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.rows[mid][0] < second) lo = mid + 1; else hi = mid; }
      return lo;
    }
    share(row, k) { return row[1] ? row[2][k] / row[1] : null; }
    last() { return this.rows.length ? this.rows[this.rows.length - 1] : null; }
    columns() {
      const x = this.rows.map((r) => r[0] + 0.5);
      const shares = this.labels.map((_, k) => this.rows.map((r) => (r[1] ? (100 * r[2][k]) / r[1] : null)));
      return [x, ...shares, this.rows.map((r) => r[1])];
    }
    laughSeconds() { return this.rows.filter((r) => r[3] > 0).map((r) => r[0] + 0.5); }
  }

  function drawMarks(u, holder) {
    const ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.strokeStyle = LAUGH;
    (holder.roomLaughs || []).forEach((t) => { // laughter heard in the room: a full-height line
      const px = u.valToPos(t, "x", true);
      ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, top + height); ctx.stroke();
    });
    ctx.fillStyle = LAUGH;
    holder.curve.laughSeconds().forEach((t) => { // a viewer's laugh seen: a triangle at the top
      const px = u.valToPos(t, "x", true), s = 6 * devicePixelRatio;
      ctx.beginPath(); ctx.moveTo(px - s, top); ctx.lineTo(px + s, top); ctx.lineTo(px, top + 1.6 * s); ctx.fill();
    });
    ctx.restore();
  }

  function makeChart(el, holder, labels, colours) {
    if (holder.chart) holder.chart.destroy();
    const opts = {
      width: Math.max(el.clientWidth, 300), height: 200, legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, "%": { range: [0, 100] }, n: { range: (u, lo, hi) => [0, Math.max(1, hi || 1)] } },
      axes: [
        { values: (u, ticks) => ticks.map(clock), incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] },
        { scale: "%", values: (u, ticks) => ticks.map((t) => t + "%"), size: 48 },
        { scale: "n", side: 1, grid: { show: false }, size: 36, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
      ],
      series: [{ label: "time", value: (u, v) => (v === null ? "–" : clock(v)) }]
        .concat(labels.map((l) => ({ label: l, stroke: colours[l], width: 2, scale: "%", value: (u, v) => (v === null ? "–" : v.toFixed(0) + "%") })))
        .concat([{ label: "viewers", stroke: "#9aa1b1", width: 1, dash: [4, 3], scale: "n" }]),
      hooks: { draw: [(u) => drawMarks(u, holder)] },
    };
    holder.chart = new uPlot(opts, holder.curve.columns(), el);
    new ResizeObserver(() => holder.chart.setSize({ width: Math.max(el.clientWidth, 300), height: 200 })).observe(el);
  }

  // numbers and labels are updated in place, and only when they change: the page stays cheap to keep open
  function numbers(el, items) {
    if (el.children.length !== items.length) {
      el.replaceChildren(...items.map(([key]) => {
        const div = document.createElement("div");
        div.innerHTML = "<dt></dt><dd></dd>";
        div.lastChild.dataset.key = key;
        return div;
      }));
    }
    items.forEach(([, name, value], i) => {
      const [dt, dd] = el.children[i].children;
      setText(dt, name);
      setText(dd, value);
    });
  }

  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }

  function tileNumbers(msg, tile) {
    const s = msg.status || {}, last = tile.curve.last(), smile = msg.labels.indexOf(msg.smile_label);
    const smiling = smile >= 0 && last ? percent(tile.curve.share(last, smile)) : "–";
    if (dash.mode === "run") {
      const frames = s.total_frames ? `${s.frames} / ${s.total_frames}` : String(s.frames ?? msg.total);
      return [
        ["frames", "frames", frames], ["fps", "fps", msg.rate.toFixed(1)],
        ["latency", "latency p50", s.latency_ms === undefined ? "–" : `${Math.round(s.latency_ms)} ms`],
        ["dropped", "dropped frames", String(s.dropped_frames ?? 0)], ["faces", "faces now", String(msg.faces)],
        ["smiling", `${msg.smile_label || "smiling"} (last s)`, smiling],
        ["face_frames", "face-frames", String(s.face_frames ?? 0)], ["room_laughs", "room laughs", String(tile.roomLaughs.length)],
        ["room_applause", "applause", String(msg.room_applause ?? 0)],
      ];
    }
    return [
      ["records", "records", String(msg.total)], ["rate", "records/s", msg.rate.toFixed(0)],
      ["heard", "last heard", `${msg.age_s.toFixed(0)} s ago`], ["faces", "faces now", String(msg.faces)],
      ["smiling", `${msg.smile_label || "smiling"} (last s)`, smiling], ["room_laughs", "room laughs", String(tile.roomLaughs.length)],
      ["room_applause", "applause", String(msg.room_applause ?? 0)],
    ];
  }

  function applyTile(msg) {
    let tile = dash.tiles[msg.camera];
    if (!tile) {
      const el = document.getElementById("tile").content.firstElementChild.cloneNode(true);
      el.dataset.camera = msg.camera;
      document.getElementById("tiles").appendChild(el);
      tile = dash.tiles[msg.camera] = { el, curve: new Curve(), roomLaughs: [], pictures: 0, decoding: false, chart: null };
    }
    if (msg.reset || !tile.chart) {
      tile.curve.reset(msg.labels);
      tile.roomLaughs = [];
      makeChart(tile.el.querySelector(".chart"), tile, msg.labels, msg.colours);
    }
    tile.curve.put(msg.points);
    tile.roomLaughs.push(...msg.room_laughs);
    if (tile.el.dataset.alive !== String(msg.alive)) tile.el.dataset.alive = String(msg.alive);
    setText(tile.el.querySelector("[data-field=title]"), msg.title);
    setText(tile.el.querySelector("[data-field=session]"),
      `session ${msg.session}` + (msg.media ? ` · ${msg.media}` : "") + (dash.ended || msg.alive ? "" : ` · silent for ${msg.age_s.toFixed(0)} s`));
    numbers(tile.el.querySelector(".numbers"), tileNumbers(msg, tile));
    const sinks = Object.entries((msg.status || {}).sinks || {});
    const list = tile.el.querySelector(".sinks");
    if (list.children.length !== sinks.length) list.replaceChildren(...sinks.map(() => document.createElement("li")));
    sinks.forEach(([name, h], i) => {
      const detail = Object.entries(h).filter(([k]) => k !== "ok").map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`);
      if (list.children[i].dataset.ok !== String(h.ok)) list.children[i].dataset.ok = String(h.ok);
      setText(list.children[i], `${name} ${h.ok ? "✓" : "✗"}` + (detail.length ? ` · ${detail.join(" · ")}` : ""));
    });
    if (msg.points.length || msg.room_laughs.length || msg.reset) tile.chart.setData(tile.curve.columns());
  }

  function applyAudience(msg) {
    let audience = dash.audiences[msg.media];
    if (!audience) {
      const el = document.createElement("article");
      el.className = "audience";
      el.innerHTML = "<h2></h2><dl class='numbers'></dl><div class='chart'></div>";
      document.getElementById("combined").appendChild(el);
      audience = dash.audiences[msg.media] = { el, curve: new Curve(), chart: null, roomLaughs: [] };
    }
    if (msg.reset || !audience.chart) {
      audience.curve.reset(msg.labels);
      makeChart(audience.el.querySelector(".chart"), audience, msg.labels, msg.colours);
    }
    audience.curve.put(msg.points);
    setText(audience.el.querySelector("h2"), `whole audience${msg.media ? " · " + msg.media : ""}`);
    const last = audience.curve.last();
    numbers(audience.el.querySelector(".numbers"), [
      ["sessions", "sessions", String(msg.sessions)], ["viewers", "viewers (last s)", last ? String(last[1]) : "0"],
      ...msg.labels.map((l, k) => [`share_${l}`, `${l} (last s)`, last ? percent(audience.curve.share(last, k)) : "–"]),
    ]);
    if (msg.points.length || msg.reset) audience.chart.setData(audience.curve.columns());
  }

  function applyState(msg) {
    dash.mode = msg.mode;
    document.body.dataset.mode = msg.mode;
    dash.ended = msg.ended;
    msg.tiles.forEach(applyTile);
    // the whole audience: always for a collector, for a single screening only its tile
    if (msg.mode === "fleet") msg.combined.forEach(applyAudience);
    if (msg.ended) document.body.dataset.ended = "1";
    const now = performance.now();
    if (dash.updates) dash.longestGapMs = Math.max(dash.longestGapMs || 0, now - dash.lastUpdate);
    dash.updates += 1;
    dash.lastUpdate = now;
    document.body.dataset.ready = "1";
  }

  function applyPicture(buffer) {
    const bytes = new Uint8Array(buffer), cut = bytes.indexOf(10);
    const tile = dash.tiles[new TextDecoder().decode(bytes.subarray(0, cut))];
    if (!tile || tile.decoding) return; // still drawing the previous one: skip this picture
    tile.decoding = true;
    createImageBitmap(new Blob([bytes.subarray(cut + 1)], { type: "image/jpeg" }))
      .then((bitmap) => {
        const canvas = tile.el.querySelector(".picture");
        canvas.hidden = false;
        if (canvas.width !== bitmap.width) { canvas.width = bitmap.width; canvas.height = bitmap.height; }
        canvas.getContext("2d").drawImage(bitmap, 0, 0);
        bitmap.close();
        tile.pictures += 1;
      })
      .finally(() => { tile.decoding = false; });
  }

  function connect() {
    const status = document.getElementById("connection");
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live");
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { status.dataset.state = "live"; status.textContent = "live"; };
    socket.onmessage = (event) => (typeof event.data === "string" ? applyState(JSON.parse(event.data)) : applyPicture(event.data));
    socket.onclose = () => {
      if (dash.ended) {
        status.dataset.state = "ended";
        status.textContent = "ended · these are the final numbers";
        return;
      }
      status.dataset.state = "lost";
      status.textContent = "connection lost · retrying";
      setTimeout(connect, 1000);
    };
  }
  connect();
})();
