// Daftar kerja: while htmx fetches new results the table says it is busy, and after paging the
// keyboard and screen-reader focus moves to the new results instead of a link that is gone.
"use strict";

document.addEventListener("htmx:beforeRequest", (event) => {
  const results = document.getElementById("hasil");
  if (results && event.detail.target === results) {
    results.setAttribute("aria-busy", "true");
  }
});

document.addEventListener("htmx:afterRequest", () => {
  const results = document.getElementById("hasil");
  if (results) {
    results.removeAttribute("aria-busy");
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  const results = document.getElementById("hasil");
  const trigger = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
  if (results && event.detail.target === results && trigger && trigger.hasAttribute("data-halaman")) {
    results.focus({ preventScroll: true });
    results.scrollIntoView({ block: "start" });
  }
});
