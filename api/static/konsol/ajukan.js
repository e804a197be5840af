// Ajukan perkara: the region pickers and the party rows. The form works without this file
// (codes typed, rows added and removed by sending the form back); this makes it quicker.
"use strict";

(() => {
  const form = () => document.getElementById("formulir-ajukan");
  const picker = (key) => document.getElementById(`f-parties-${key}-region_code`);
  const results = (key) => document.getElementById(`wilayah-${key}`);

  // The forum preview listens for `change` on the form.
  const changed = (element) => element.dispatchEvent(new Event("change", { bubbles: true }));

  const clear = (key) => {
    const list = results(key);
    if (list) list.replaceChildren();
  };

  const choose = (button) => {
    const key = button.dataset.baris;
    const input = picker(key);
    if (!input) return;
    input.value = button.dataset.kode;
    const chosen = document.getElementById(`pilihan-${key}`);
    if (chosen) chosen.textContent = button.dataset.label;
    clear(key);
    input.focus();
    changed(input);
  };

  const options = (key) => Array.from(results(key)?.querySelectorAll("button.pilih-wilayah") ?? []);

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const option = target?.closest("button.pilih-wilayah");
    if (option) {
      choose(option);
      return;
    }
    const remove = target?.closest("[data-hapus-pihak]");
    if (remove) {
      // Dropped in the page; without this file the button sends the form back to drop it.
      event.preventDefault();
      const row = document.getElementById(`pihak-${remove.dataset.hapusPihak}`);
      const side = row?.closest("fieldset.sisi");
      row?.remove();
      side?.querySelector("button.tambah-pihak")?.focus();
      const filing = form();
      if (filing) changed(filing);
    }
  });

  // Keyboard: arrow down from a picker into its matches, arrows between them, Escape back.
  document.addEventListener("keydown", (event) => {
    const target = event.target instanceof HTMLElement ? event.target : null;
    if (!target) return;
    if (target.matches("input.cari-wilayah")) {
      const key = target.closest(".pemilih-wilayah")?.dataset.baris;
      if (!key) return;
      if (event.key === "ArrowDown" && options(key).length) {
        event.preventDefault();
        options(key)[0].focus();
      } else if (event.key === "Escape") {
        clear(key);
      } else if (event.key === "Enter") {
        // One match: Enter takes it, as a person expects, rather than sending the form.
        event.preventDefault();
        if (options(key).length === 1) choose(options(key)[0]);
        else changed(target);
      }
      return;
    }
    if (event.key === "Enter" && target.matches("#formulir-ajukan input:not([type=checkbox]):not([type=radio])")) {
      // Enter in a field would send the form back only to refresh the preview: do that here.
      event.preventDefault();
      changed(target);
      return;
    }
    if (target.matches("button.pilih-wilayah")) {
      const key = target.dataset.baris;
      const all = options(key);
      const at = all.indexOf(target);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const next = event.key === "ArrowDown" ? at + 1 : at - 1;
        if (next < 0) picker(key)?.focus();
        else all[Math.min(next, all.length - 1)].focus();
      } else if (event.key === "Escape") {
        clear(key);
        picker(key)?.focus();
      }
    }
  });

  // Matches go away once focus leaves the picker (after a click on one has landed).
  document.addEventListener("focusout", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const box = target?.closest(".pemilih-wilayah");
    if (!box) return;
    window.setTimeout(() => {
      if (!box.contains(document.activeElement)) clear(box.dataset.baris);
    }, 200);
  });

  // A refused filing comes back with what is wrong above the form: start reading there.
  document.querySelector("#ringkasan-galat, #duplikat")?.focus();

  // A party row fetched by "Tambah pihak": focus its first field.
  document.addEventListener("htmx:afterSwap", (event) => {
    const list = event.detail.target;
    if (list instanceof Element && list.matches(".daftar-pihak")) {
      const rows = list.querySelectorAll("fieldset.pihak");
      rows[rows.length - 1]?.querySelector("select")?.focus();
    }
  });
})();
