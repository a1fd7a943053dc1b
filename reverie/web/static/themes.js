/* Themes: drag an extract's card onto a theme (or onto a card, to go before it), and the status
 * forms that ask for a theme when a themeless extract moves to final.
 *
 * Dragging is a shortcut for those with a mouse: it posts the same form as the "Theme for E3"
 * select beside each card, which is the keyboard's way. Listeners sit on the document because the
 * board and the status forms are swapped in by HTMX.
 */

function columnOf(event) {
  const column = event.target instanceof Element ? event.target.closest("[data-drop-theme]") : null;
  return column && column.closest("[data-themes-board]") ? column : null;
}

function dragToPlace() {
  let dragged = null;
  const clear = () => document.querySelectorAll(".drop-target")
    .forEach((element) => element.classList.remove("drop-target"));

  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element ? event.target.closest(".theme-card") : null;
    if (!card || !card.closest("[data-themes-board]")) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.handle);
  });
  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    clear();
  });
  document.addEventListener("dragover", (event) => {
    const column = columnOf(event);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const over = event.target.closest(".theme-card");
    const mark = over && over !== dragged ? over : column;
    if (!mark.classList.contains("drop-target")) {
      clear();
      mark.classList.add("drop-target");
    }
  });
  document.addEventListener("drop", (event) => {
    const column = columnOf(event);
    if (!dragged || !column) return;
    event.preventDefault();
    const moved = dragged;
    clear();
    // Dropped on a card: the extract goes before it; anywhere else in the theme: after its last one.
    const over = event.target.closest(".theme-card");
    const others = [...column.querySelectorAll(".theme-card")].filter((card) => card !== moved);
    const at = over && over !== moved ? others.indexOf(over) + 1 : 0;
    const board = column.closest("[data-themes-board]");
    window.htmx.ajax("POST", board.dataset.placeUrl, {
      source: moved.querySelector("form.place"), swap: "none",
      values: { extract: moved.dataset.handle, theme: column.dataset.dropTheme, position: at ? String(at) : "" },
    });
  });
}

/* A status form shows its theme choice only while "final" is chosen, and then requires it. */
function syncFinalTheme(form) {
  const choice = form.querySelector("[data-final-theme]");
  const status = form.querySelector("select[name=to_status]");
  if (!choice || !status) return;
  const final = status.value === "final";
  choice.hidden = !final;
  choice.querySelector("select").required = final;
}

function finalAsksForTheme() {
  const syncAll = (root) => root.querySelectorAll("form[data-status-form]").forEach(syncFinalTheme);
  document.addEventListener("change", (event) => {
    const form = event.target instanceof Element ? event.target.closest("form[data-status-form]") : null;
    if (form && event.target.name === "to_status") syncFinalTheme(form);
  });
  // A swapped board (an outerHTML swap) is a new element: look at the whole page again.
  document.addEventListener("htmx:afterSettle", () => syncAll(document));
  syncAll(document);
}

export function themes() {
  dragToPlace();
  finalAsksForTheme();
}
