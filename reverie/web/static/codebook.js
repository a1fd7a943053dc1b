/* The codebook's drag to nest: drop a code on another to nest it there. The "Parent" choice in each
 * code's Edit forms does the same without a mouse; this is a shortcut for those who have one.
 *
 * Listeners sit on the document because every change answers a new #codebook, swapped in whole.
 */

function rowOf(event) {
  const row = event.target instanceof Element ? event.target.closest(".code-row") : null;
  return row && row.closest("[data-codebook]") ? row : null;
}

export function codebook() {
  let dragged = null;
  const clear = () => document.querySelectorAll(".code-row.drop-target")
    .forEach((row) => row.classList.remove("drop-target"));
  // A code never goes under itself or under a code of its own branch (the server refuses it too).
  const droppable = (row) => {
    const target = row.closest(".code-node");
    return dragged && target && target !== dragged && !dragged.contains(target) ? target : null;
  };

  document.addEventListener("dragstart", (event) => {
    const row = rowOf(event);
    if (!row) return;
    dragged = row.closest(".code-node");
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.querySelector(".code-label")?.textContent || "");
  });
  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    dragged = null;
    clear();
  });
  document.addEventListener("dragover", (event) => {
    const row = rowOf(event);
    if (!row || !droppable(row)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!row.classList.contains("drop-target")) {
      clear();
      row.classList.add("drop-target");
    }
  });
  document.addEventListener("drop", (event) => {
    const row = rowOf(event);
    const target = row && droppable(row);
    if (!target) return;
    event.preventDefault();
    const moved = dragged;
    clear();
    window.htmx.ajax("POST", moved.dataset.updateUrl, {
      target: "#codebook", swap: "outerHTML",
      values: { fields: "parent", parent: target.dataset.codeId },
    }).then(() => {
      // A refusal answers the moved code's forms: open them so its message is seen.
      const panel = document.getElementById(`edit-${moved.dataset.codeId}`);
      if (panel?.querySelector(".field-error")) panel.closest("details").open = true;
    });
  });
}
