// reactlens report: interactive charts drawn with the vendored uPlot from the JSON in #report-data.
// Hover: exact values at the cursor. Drag on a chart: zoom the timeline (double-click: back).
// Check boxes: show or hide labels, audiences and sessions.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const n = data.seconds;
  const x = Array.from({ length: n }, (_, i) => data.start + i);
  const milli = (values) => values.map((v) => (v === null ? null : v / 10)); // per mille -> percent
  const charts = [];
  const visible = { label: {}, audience: {}, session: {} };
  data.labels.forEach((l) => (visible.label[l] = true));
  data.audiences.forEach((a) => (visible.audience[a.name] = true));

  function clock(s) {
    const sign = s <= -1 ? "-" : "";  // before the film's start: a recording that began before it
    s = Math.floor(Math.abs(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return sign + (h ? h + ":" : "") + mm + ":" + String(sec).padStart(2, "0");
  }

  function hexAlpha(hex, alpha) {
    const v = parseInt(hex.slice(1), 16);
    return `rgba(${(v >> 16) & 255},${(v >> 8) & 255},${v & 255},${alpha})`;
  }

  // Each entry of `meta` says what a series is, so the check boxes can find it.
  function makeChart(el, title, series, columns, meta, options) {
    const opts = Object.assign(
      {
        title: title,
        width: el.clientWidth || 1000,
        height: 260,
        legend: { show: false },
        cursor: { sync: { key: "reactlens", setSeries: false }, drag: { x: true, y: false } },
        scales: { x: { time: false } },
        axes: [
          { values: (u, ticks) => ticks.map(clock), incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] },
          { values: (u, ticks) => ticks.map((t) => t + (options && options.unit !== undefined ? options.unit : "%")), size: 56 },
        ],
        series: [{ label: "time" }].concat(series),
        hooks: { setCursor: [readout], setScale: [syncZoom] },
      },
      options || {}
    );
    delete opts.unit;
    const chart = new uPlot(opts, [x].concat(columns), el);
    chart.meta = [null].concat(meta);
    charts.push(chart);
    return chart;
  }

  // the x range zoomed on one chart is applied to the others
  let zooming = false;
  function syncZoom(u, key) {
    if (key !== "x" || zooming) return;
    zooming = true;
    const { min, max } = u.scales.x;
    charts.forEach((c) => c !== u && c.setScale("x", { min, max }));
    zooming = false;
  }

  function fmt(v) {
    return v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(1);
  }

  function readout(u) {
    const i = u.cursor.idx;
    const box = document.getElementById("readout");
    if (i === null || i === undefined) return;
    const rows = [`<b>${clock(x[i])}</b>`];
    data.audiences.forEach((a) => {
      if (!visible.audience[a.name]) return;
      const parts = data.labels
        .filter((l) => visible.label[l])
        .map((l) => {
          const s = a.series[l];
          const share = s.share[i], lo = s.low[i], hi = s.high[i], mean = s.mean[i];
          return `${l} <b>${fmt(share === null ? null : share / 10)}%</b> [${fmt(lo === null ? null : lo / 10)}–${fmt(
            hi === null ? null : hi / 10
          )}] mean ${fmt(mean === null ? null : mean / 10)}%`;
        });
      const laughs = a.laughs ? ` · laughs ${a.laughs[i]}` : "";
      rows.push(`${a.name}: ${a.viewers[i]} viewers${laughs} · ${parts.join(" · ")}`);
    });
    if (data.difference) {
      const parts = data.labels
        .filter((l) => visible.label[l])
        .map((l) => {
          const d = data.difference[l];
          const v = d.value[i];
          return `${l} ${fmt(v === null ? null : v / 10)} [${fmt(d.low[i] === null ? null : d.low[i] / 10)}, ${fmt(
            d.high[i] === null ? null : d.high[i] / 10
          )}]${d.differs[i] ? " <b>differs</b>" : ""}`;
        });
      rows.push(`difference (points): ${parts.join(" · ")}`);
    }
    box.innerHTML = rows.join("<br>");
  }

  function applyVisibility() {
    charts.forEach((c) =>
      c.meta.forEach((m, idx) => {
        if (!m) return;
        let show = (m.label === undefined || visible.label[m.label]) && (m.audience === undefined || visible.audience[m.audience]);
        if (m.session !== undefined) show = show && !!visible.session[m.session];
        if (c.series[idx].show !== show) c.setSeries(idx, { show });
      })
    );
  }

  // -- share of viewers, and mean probability, per label and audience (bands between low and high) ------
  function bandChart(el, title, key, lowKey, highKey, withSessions) {
    const series = [], columns = [], meta = [], bands = [];
    data.audiences.forEach((a, ai) => {
      data.labels.forEach((l) => {
        const colour = ai === 0 ? data.colours[l] : data.b_colour;
        const s = a.series[l];
        const base = series.length + 1;
        series.push(
          { label: `${a.name} ${l}`, stroke: colour, width: 1.5, dash: ai ? [6, 3] : undefined },
          { label: `${a.name} ${l} low`, stroke: "transparent", points: { show: false } },
          { label: `${a.name} ${l} high`, stroke: "transparent", points: { show: false } }
        );
        columns.push(milli(s[key]), milli(s[lowKey]), milli(s[highKey]));
        meta.push({ label: l, audience: a.name }, { label: l, audience: a.name }, { label: l, audience: a.name });
        bands.push({ series: [base + 2, base + 1], fill: hexAlpha(colour, 0.16) });
        if (withSessions) {
          Object.entries(a.sessions).forEach(([sid, perLabel]) => {
            series.push({ label: `${sid} ${l}`, stroke: hexAlpha(colour, 0.7), width: 1, dash: [2, 2], show: false });
            columns.push(milli(perLabel[l]));
            meta.push({ label: l, audience: a.name, session: sid });
          });
        }
      });
    });
    return makeChart(el, title, series, columns, meta, { bands, scales: { x: { time: false }, y: { range: [0, 100] } } });
  }

  bandChart(document.getElementById("chart-share"), "Share of viewers showing each label (band: 95% over viewers)", "share", "low", "high", true);
  bandChart(document.getElementById("chart-mean"), "Mean probability of each label (band: 95% over viewers)", "mean", "mean_low", "mean_high", false);

  // -- viewers present and laugh events -----------------------------------------------------------------
  {
    const series = [], columns = [], meta = [];
    data.audiences.forEach((a, ai) => {
      series.push({ label: `${a.name} viewers`, stroke: ai ? data.b_colour : "#777777", width: 1.5, dash: ai ? [6, 3] : undefined });
      columns.push(a.viewers);
      meta.push({ audience: a.name });
      if (a.laughs) {
        series.push({ label: `${a.name} laughs`, stroke: data.laugh_colour, fill: hexAlpha(data.laugh_colour, 0.6), paths: uPlot.paths.bars({ size: [0.9, 8] }), points: { show: false } });
        columns.push(a.laughs);
        meta.push({ audience: a.name, label: data.smile_label });
      }
    });
    makeChart(document.getElementById("chart-viewers"), "Viewers present, and laugh events starting", series, columns, meta, { height: 170, unit: "" });
  }

  // -- the room's laughter, heard ----------------------------------------------------------------------------
  if (data.audiences.some((a) => a.room)) {
    const series = [], columns = [], meta = [];
    data.audiences.forEach((a, ai) => {
      if (!a.room) return;
      series.push({ label: `${a.name} laughter score`, stroke: ai ? data.b_colour : data.laugh_colour, width: 1.5, dash: ai ? [6, 3] : undefined });
      columns.push(milli(a.room.score));
      meta.push({ audience: a.name });
      series.push({ label: `${a.name} room laughs`, stroke: "#333333", fill: "rgba(51,51,51,0.5)", paths: uPlot.paths.bars({ size: [0.9, 8] }), points: { show: false }, scale: "count" });
      columns.push(a.room.laughs);
      meta.push({ audience: a.name });
    });
    makeChart(document.getElementById("chart-room"), "The room's laughter, heard (score; bars: room laughs starting)", series, columns, meta, {
      height: 170,
      scales: { x: { time: false }, y: { range: [0, 100] }, count: { range: [0, 4] } },
    });
  }

  // -- the difference between the two audiences ------------------------------------------------------------
  if (data.difference) {
    const series = [], columns = [], meta = [], bands = [];
    data.labels.forEach((l) => {
      const d = data.difference[l];
      const base = series.length + 1;
      series.push(
        { label: `difference ${l}`, stroke: data.colours[l], width: 1.5 },
        { label: `${l} low`, stroke: "transparent", points: { show: false } },
        { label: `${l} high`, stroke: "transparent", points: { show: false } }
      );
      columns.push(milli(d.value), milli(d.low), milli(d.high));
      meta.push({ label: l }, { label: l }, { label: l });
      bands.push({ series: [base + 2, base + 1], fill: hexAlpha(data.colours[l], 0.16) });
    });
    const shade = (u) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = hexAlpha(data.laugh_colour, 0.22);
      data.regions.forEach((r) => {
        if (!visible.label[r.label]) return;
        const left = u.valToPos(r.start_s, "x", true), right = u.valToPos(r.end_s, "x", true);
        ctx.fillRect(left, u.bbox.top, Math.max(1, right - left), u.bbox.height);
      });
      ctx.restore();
    };
    makeChart(
      document.getElementById("chart-difference"),
      `${data.audiences[0].name} − ${data.audiences[1].name}, points of share (band: 95% over the whole timeline; orange: runs where it excludes 0)`,
      series, columns, meta,
      { bands, unit: "", scales: { x: { time: false }, y: { range: [-100, 100] } }, hooks: { setCursor: [readout], setScale: [syncZoom], drawClear: [shade] } }
    );
  }

  // -- check boxes ----------------------------------------------------------------------------------------
  document.querySelectorAll("input[data-toggle]").forEach((box) =>
    box.addEventListener("change", () => {
      visible[box.dataset.toggle][box.value] = box.checked;
      applyVisibility();
      charts.forEach((c) => c.redraw(false));
    })
  );
  window.addEventListener("resize", () => charts.forEach((c) => c.setSize({ width: c.root.parentNode.clientWidth, height: c.height })));
  window.reactlensCharts = charts;
  document.body.dataset.ready = String(performance.now());
})();
