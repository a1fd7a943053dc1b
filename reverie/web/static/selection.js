/* The selection menu over the reader: a mouse (or Shift+arrow) selection becomes line numbers plus
 * UTF-16 offsets within each line's text (the server turns them into code points on the stored
 * version); the menu's items, and the c key on a line, open the dialog for a code, an extract, a
 * note, a non-verbal annotation or reported speech on it.
 */
import { say } from "./messages.js";
import { adjacent } from "./reader.js";

/* The menu for selections in `root`; `open(id, chosen)` opens dialog `id` on the chosen text. */
export function selectionMenu(root, open) {
  const menu = document.getElementById("selection-menu");
  let pending = null;

  // A point of the DOM selection as (line, UTF-16 offset within the line's text).
  function pointIn(node, offset) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const line = el && el.closest(".line");
    if (!line || !root.contains(line)) return null;
    const text = line.querySelector(".tx");
    const whole = document.createRange();
    whole.selectNodeContents(text);
    const where = whole.comparePoint(node, offset);
    if (where < 0) return { line, offset: 0 };
    if (where > 0) return { line, offset: text.textContent.length };
    const upTo = document.createRange();
    upTo.setStart(text, 0);
    upTo.setEnd(node, offset);
    return { line, offset: upTo.toString().length };
  }

  function describe(a, b) {
    // A drag that ends at the very start of a line ends, in fact, on the line before.
    const previous = b.offset === 0 && b.line !== a.line ? adjacent(b.line, -1) : null;
    if (previous) b = { line: previous, offset: previous.querySelector(".tx").textContent.length };
    if (a.line === b.line && a.offset >= b.offset) return null;
    const parts = [];
    for (let el = a.line; el; el = adjacent(el, 1)) {
      const text = el.querySelector(".tx").textContent;
      parts.push(text.slice(el === a.line ? a.offset : 0, el === b.line ? b.offset : text.length));
      if (el === b.line) break;
    }
    return {
      start_line: Number(a.line.dataset.n), start_offset: a.offset,
      end_line: Number(b.line.dataset.n), end_offset: b.offset, exact: parts.join("\n"),
    };
  }

  function current() {
    const sel = getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const a = pointIn(range.startContainer, range.startOffset);
    const b = pointIn(range.endContainer, range.endOffset);
    if (!a || !b || !a.line.isConnected) return null;
    const chosen = describe(a, b);
    return chosen && chosen.exact.trim() ? { chosen, rect: range.getBoundingClientRect() } : null;
  }

  function hide() {
    menu.hidden = true;
  }

  function update() {
    const found = current();
    if (!found) { hide(); return; }
    pending = found.chosen;
    menu.style.left = `${Math.max(8, found.rect.left)}px`;
    menu.style.top = `${found.rect.bottom + 6}px`;
    menu.hidden = false;
  }

  function choose(id) {
    hide();
    open(id, pending);
  }

  root.addEventListener("mouseup", () => setTimeout(update, 0));
  root.addEventListener("keyup", (event) => { if (event.shiftKey) update(); });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });

  menu.addEventListener("click", (event) => {
    const button = event.target.closest("[data-open]");
    if (button && pending) choose(button.dataset.open);
  });

  return {
    /* The c key: the whole of one line, to code. */
    codeLine(el) {
      const text = el.querySelector(".tx").textContent;
      if (!text.trim()) { say(`line ${el.dataset.n} is empty`, "error"); return; }
      const n = Number(el.dataset.n);
      pending = { start_line: n, start_offset: 0, end_line: n, end_offset: text.length, exact: text };
      choose("dlg-code");
    },
  };
}
