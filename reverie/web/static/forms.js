/* The set-up forms: rows added on request (custom attributes, schedule questions), and controls
 * marked invalid while the message beside them says why.
 *
 * A button with data-add-row="ID" copies the last [data-row] of the element with that id, empties
 * it and numbers its accessible names (data-label, "#" standing for the row's number).
 */

function addRow(container) {
  const rows = container.querySelectorAll("[data-row]");
  const last = rows[rows.length - 1];
  if (!last) return;
  const row = last.cloneNode(true);
  const number = rows.length + 1;
  for (const control of row.querySelectorAll("input, select, textarea")) {
    if (control.tagName === "SELECT") control.selectedIndex = last.querySelector("select")?.selectedIndex ?? 0;
    else control.value = "";
    const label = control.dataset.label;
    if (label) control.setAttribute("aria-label", label.replace("#", String(number)));
  }
  last.after(row);
  row.querySelector("input, select, textarea")?.focus();
}

// Each error slot's control says it is invalid while the slot holds a message; the first is focused.
function markInvalid(root) {
  let first = null;
  for (const slot of root.querySelectorAll(".field-error[id]")) {
    const control = document.querySelector(`[aria-describedby~="${slot.id}"]`);
    if (!control) continue;
    const wrong = slot.textContent.trim() !== "";
    if (wrong) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
    if (wrong && !first) first = control;
  }
  return first;
}

export function setupForms() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-row]");
    if (!button) return;
    const container = document.getElementById(button.dataset.addRow);
    if (container) addRow(container);
  });
  // A refused form's answer swaps its error slots out of band, one event each: look once they are all in.
  let pending = false;
  document.addEventListener("htmx:oobAfterSwap", () => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      const first = markInvalid(document);
      const focusable = first && (first.matches("fieldset") ? first.querySelector("input, select") : first);
      if (focusable) focusable.focus();
    });
  });
  markInvalid(document);
}
