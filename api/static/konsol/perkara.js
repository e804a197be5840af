// Halaman perkara: dropping a file onto the upload zone, the size check before it is sent,
// and where the keyboard goes once an action has been taken. Without script the page works
// as plain forms: the file picker, the server's own size check, a redirect with the notice.
"use strict";

// A dropped file goes into the zone's own file input, as if it had been picked.
function dropZones(root) {
  root.querySelectorAll("[data-dropzone]").forEach((zone) => {
    const input = zone.querySelector('input[type="file"]');
    if (!input || zone.dataset.ready) {
      return;
    }
    zone.dataset.ready = "true";
    ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => {
      zone.classList.remove("dragging");
    }));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length > 0) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("change", () => checked(zone, input));
  });
}

// The chosen file's name, and a refusal before sending a file over the limit.
function checked(zone, input) {
  const file = input.files && input.files[0];
  const name = zone.querySelector("[data-file-name]");
  const form = input.form;
  const error = form ? form.querySelector("[data-size-error]") : null;
  if (name) {
    name.textContent = file ? file.name : "";
  }
  const limit = Number(input.dataset.maxBytes || "0");
  const tooLarge = Boolean(file && limit && file.size > limit);
  input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
  if (error) {
    error.textContent = tooLarge ? input.dataset.tooLarge : "";
    error.hidden = !tooLarge;
  }
}

// On a narrow screen the diagram scrolls sideways: start with the current stage in view.
function centreDiagram() {
  const box = document.querySelector(".diagram-scroll");
  const current = box ? box.querySelector("g.node.current rect") : null;
  if (!box || !current || box.scrollWidth <= box.clientWidth) {
    return;
  }
  const middle = Number(current.getAttribute("x")) + Number(current.getAttribute("width")) / 2;
  box.scrollLeft = middle - box.clientWidth / 2;
}

document.addEventListener("DOMContentLoaded", () => {
  dropZones(document);
  centreDiagram();
});

document.addEventListener("htmx:afterSwap", (event) => {
  dropZones(document);
  centreDiagram();
  // The case was swapped in after an action: the keyboard goes to the notice saying so, which
  // sits above the case's new state.
  // A refused form was swapped in: the keyboard goes to why, inside the form.
  const retargeted = event.detail.xhr.getResponseHeader("HX-Retarget");
  const why = retargeted ? document.querySelector(retargeted + ' [role="alert"]') : null;
  if (why) {
    why.focus();
    return;
  }
  const notice = document.getElementById("pemberitahuan");
  if (event.detail.target && event.detail.target.id === "perkara" && notice && notice.textContent.trim()) {
    notice.focus();
  }
});

// A case that did not answer in time (503, "try again") is explained next to its form too.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 503 && event.detail.xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
