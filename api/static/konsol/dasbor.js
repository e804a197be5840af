// Dasbor: draws each figure's chart from its JSON data block (script type="application/json",
// which never executes). The data tables stay in the page for screen readers; once a chart is
// drawn its table folds away, so a browser without script shows the tables open instead.
"use strict";

(function () {
  const LOCALE = "id-ID";
  const INK = "#1f2937";     // axis labels: 14.7:1 on white
  const GRID = "#d7dde5";
  const LINE_HEIGHT = 16;    // pixels per line of a category label
  const BAR_SPACE = 14;      // pixels of a horizontal bar beyond its label's lines

  // A long name over several lines, at word boundaries: Chart.js clips a label wider than
  // its axis, and the axis may take only part of a phone's width.
  function wrapped(label, width) {
    const lines = [];
    let line = "";
    for (const word of label.split(" ")) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    }
    lines.push(line);
    return lines;
  }

  // Each bar's number at its end, so the figure reads without hovering (there is no hover on
  // a phone) and a zero shows as "0" rather than as nothing.
  const barValues = {
    id: "nilaiBatang",
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      const format = new Intl.NumberFormat(LOCALE);
      const horizontal = chart.options.indexAxis === "y";
      ctx.save();
      ctx.fillStyle = INK;
      ctx.font = "600 12px system-ui, sans-serif";
      ctx.textAlign = horizontal ? "left" : "center";
      ctx.textBaseline = horizontal ? "middle" : "bottom";
      chart.data.datasets.forEach((dataset, i) => {
        if (!chart.isDatasetVisible(i)) {
          return;
        }
        chart.getDatasetMeta(i).data.forEach((bar, j) => {
          const text = format.format(dataset.data[j]);
          if (horizontal) {
            ctx.fillText(text, bar.x + 5, bar.y);
          } else {
            ctx.fillText(text, bar.x, bar.y - 4);
          }
        });
      });
      ctx.restore();
    },
  };

  function draw(block) {
    const canvas = document.getElementById(block.dataset.kanvas);
    if (!canvas || typeof window.Chart !== "function") {
      return;
    }
    const figure = JSON.parse(block.textContent);
    const narrow = window.matchMedia("(max-width: 700px)").matches;
    const width = figure.horizontal ? (narrow ? 16 : 26) : 14;
    const labels = figure.labels.map((label) => wrapped(label, width));
    const box = canvas.parentElement;
    box.hidden = false; // hidden in the page itself: without script there is no empty box
    if (figure.horizontal) {
      const lines = labels.reduce((sum, label) => sum + label.length, 0);
      const height = 56 + lines * LINE_HEIGHT + labels.length * BAR_SPACE;
      box.style.height = Math.max(140, height) + "px";
    }
    const categories = {
      ticks: { color: INK, autoSkip: false },
      grid: { display: false },
    };
    const amounts = {
      beginAtZero: true,
      grace: "12%", // room for the numbers at the bars' ends
      ticks: { color: INK, precision: 0 },
      grid: { color: GRID },
    };
    new window.Chart(canvas, {
      type: "bar",
      plugins: [barValues],
      data: {
        labels: labels,
        datasets: figure.series.map((series) => ({
          label: series.label,
          data: series.data,
          backgroundColor: series.colour,
          borderColor: series.colour,
          maxBarThickness: 28,
        })),
      },
      options: {
        locale: LOCALE,
        indexAxis: figure.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: figure.horizontal ? { y: categories, x: amounts } : { x: categories, y: amounts },
        plugins: {
          tooltip: {
            callbacks: {
              // The whole name on one line, however the axis wraps it.
              title: (items) => (items.length ? figure.labels[items[0].dataIndex] : ""),
            },
          },
          legend: {
            display: figure.series.length > 1,
            labels: { color: INK },
          },
        },
      },
    });
    const table = block.parentElement.querySelector("details.tabel-data");
    if (table) {
      table.open = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof window.Chart === "function") {
      window.Chart.defaults.font.size = 13;
    }
    document.querySelectorAll("script.data-grafik").forEach(draw);
  });
})();
