// Vigil dashboard: draws the charts described by `data-chart` attributes with uPlot, and
// submits the app picker on change. Everything else is plain HTML forms.
"use strict";

const COLORS = ["#2f5bd3", "#1f7a4d", "#c0362c", "#b76e00"];

function drawChart(el) {
  const spec = JSON.parse(el.dataset.chart);
  const data = [spec.x, ...spec.series.map((s) => s.values)];
  const opts = {
    width: el.clientWidth - 16,
    height: 240,
    scales: { x: { time: true } },
    series: [
      {},
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        // Risk holds its value until the next change: a step, not a slope.
        paths: spec.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: { show: spec.x.length < 60 },
      })),
    ],
    axes: [{}, { size: 50 }],
  };
  const plot = new uPlot(opts, data, el);
  new ResizeObserver(() =>
    plot.setSize({ width: el.clientWidth - 16, height: 240 }),
  ).observe(el);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-chart]").forEach(drawChart);
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
