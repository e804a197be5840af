// Mufakat konsol: what every page needs. Each screen's own behaviour is in its own file.
"use strict";

// Every htmx request carries the session's CSRF token, as every form does in its `csrf` field.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRF-Token"] = token.getAttribute("content");
  }
});

// htmx swaps a 4xx answer's page fragment in too (a refusal explained next to its form).
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && status < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A button or link marked data-confirm asks before it acts.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
