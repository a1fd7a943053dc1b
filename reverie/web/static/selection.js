/* The selection menu over the reader: a mouse (or Shift+arrow) selection becomes line numbers plus
 * UTF-16 offsets within each line's shown text (the server maps them to code points on the stored
 * version, through the view's hidden notation); the menu's items, and the c, e and n keys on a line
 * or on lines picked with Shift+J/K, open the dialog for a code, an extract, a note, a non-verbal
 * annotation or reported speech on it.
 *
 * Coded words are highlighted; a click (or Enter) on a highlight opens a small menu of its codings,
 * each with Remove, as does the remove control of a code label in the margin.
 */
import { ask } from "./http.js";
import { say } from "./messages.js";
import { adjacent } from "./reader.js";
import { undoer } from "./dialogs.js";

/* The menu for selections in `root`; `open(id, chosen)` opens dialog `id` on the chosen text. */
export function selectionMenu(root, open, undo = undoer(root)) {
  const menu = document.getElementById("selection-menu");
  const codingMenu = document.getElementById("coding-menu");
  let pending = null;
  let menuFrom = null; // the highlight that opened the codings menu, to return focus to

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
      end_line: Number(b.line.dataset.n), end_offset: b.offset, exact: parts.join("\n"), view: root.dataset.view,
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

  // --- removing a coding ------------------------------------------------------------------------

  async function remove(codingId) {
    hideCodings(false);
    try {
      const url = root.dataset.removeUrl.replace(/\/0\/remove$/, `/${codingId}/remove`);
      const answer = await (await ask(url, { method: "POST", json: {} })).json();
      undo.answered(answer);
      const [from, to] = answer.lines;
      root.dispatchEvent(new CustomEvent("reverie:lines-changed", { detail: { from, to } }));
    } catch (error) {
      say(error.message, "error");
    }
  }

  function hideCodings(refocus = true) {
    if (codingMenu.hidden) return;
    codingMenu.hidden = true;
    if (refocus && menuFrom && menuFrom.isConnected) menuFrom.focus();
    menuFrom = null;
  }

  // Every coding in a window is labelled in its margin (again on the window's first line when it
  // began above), so a highlight names its codings by id and the menu reads them from their labels.
  function showCodings(mark) {
    const box = mark.closest(".window") || root;
    const items = mark.dataset.ids.split(" ").map((id) => {
      const remover = box.querySelector(`.uncode[data-coding="${id}"]`);
      if (!remover) return null;
      const tag = remover.closest(".code-tag");
      const label = tag.querySelector(".code-label").textContent;
      const row = document.createElement("div");
      row.className = "coding-item";
      row.setAttribute("role", "none");
      row.style.setProperty("--code", tag.style.getPropertyValue("--code"));
      const name = document.createElement("span");
      name.textContent = remover.getAttribute("aria-label").replace(/^Remove code /, "").replace(` from `, ", ");
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.dataset.coding = id;
      button.textContent = "Remove";
      button.setAttribute("aria-label", remover.getAttribute("aria-label"));
      row.append(name, button);
      return label ? row : null;
    }).filter(Boolean);
    codingMenu.replaceChildren(...items);
    const rect = mark.getBoundingClientRect();
    codingMenu.style.left = `${Math.max(8, rect.left)}px`;
    codingMenu.style.top = `${rect.bottom + 6}px`;
    codingMenu.hidden = false;
    menuFrom = mark;
    codingMenu.querySelector("button")?.focus();
  }

  codingMenu.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-coding]");
    if (button) remove(Number(button.dataset.coding));
  });
  codingMenu.addEventListener("keydown", (event) => {
    const buttons = Array.from(codingMenu.querySelectorAll("button"));
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); hideCodings(); }
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    } else if (event.key === "Tab") hideCodings(false);
  });
  document.addEventListener("click", (event) => {
    if (!codingMenu.hidden && !codingMenu.contains(event.target) && !event.target.closest(".hl")) hideCodings(false);
  });

  root.addEventListener("click", (event) => {
    const uncode = event.target.closest(".uncode");
    if (uncode) { remove(Number(uncode.dataset.coding)); return; }
    const mark = event.target.closest(".hl");
    if (mark && getSelection().isCollapsed) showCodings(mark);
  });
  root.addEventListener("keydown", (event) => {
    const mark = event.target.closest && event.target.closest(".hl");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      event.stopPropagation();
      showCodings(mark);
    }
  }, true);

  root.addEventListener("mouseup", () => setTimeout(update, 0));
  root.addEventListener("keyup", (event) => { if (event.shiftKey) update(); });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });

  menu.addEventListener("click", (event) => {
    const button = event.target.closest("[data-open]");
    if (button && pending) choose(button.dataset.open);
  });

  return {
    /* The c, e and n keys: whole lines `from`-`to` (one line when `to` is not given) into dialog `id`. */
    codeLine(from, to = from, id = "dlg-code") {
      const parts = [];
      for (let el = from; el; el = adjacent(el, 1)) {
        parts.push(el.querySelector(".tx").textContent);
        if (el === to) break;
      }
      const exact = parts.join("\n");
      const lines = from === to ? `line ${from.dataset.n}` : `lines ${from.dataset.n}-${to.dataset.n}`;
      if (!exact.trim()) { say(`${lines} ${from === to ? "is" : "are"} empty`, "error"); return; }
      pending = {
        start_line: Number(from.dataset.n), start_offset: 0, end_line: Number(to.dataset.n),
        end_offset: parts[parts.length - 1].length, exact, view: root.dataset.view,
      };
      choose(id);
    },
  };
}
