/* The transcript reader (#reader): line windows fetched as the reader scrolls (only a few kept in
 * the page), #L978 anchors and the go-to form, j/k keys, audio that plays from a clicked line and
 * highlights the line being played (fetching its window when it is not in the page), and the
 * annotation marks in the margin. After a save elsewhere it fetches the lines that changed again
 * (the "reverie:lines-changed" event on #reader).
 * Keys: j/k move the line focus, Shift+J/K extend a picked run of lines (shown highlighted), and
 * c, e, n code, extract or note the picked lines (or the focused one); Ctrl+Z (outside a field)
 * asks for the last code applied or removed to be undone ("reverie:undo" on #reader). The "Coding
 * stripes" toggle (remembered in localStorage) widens the code bars into labelled stripes.
 * Transcript text is only ever set with textContent or parsed from server-escaped HTML.
 */
import { ask } from "./http.js";
import { say } from "./messages.js";

// Windows of lines kept in the page at once: enough to scroll smoothly both ways, few enough that a
// long read never piles up thousands of lines. Far windows are dropped and fetched again on return.
const MAX_WINDOWS = 3;
const MISSING = Symbol("the line is in a window that is not loaded");
const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT", "BUTTON"]);

function typing(event) {
  return TYPING.has(event.target.tagName) || event.target.isContentEditable ||
    event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]");
}

/* The next or previous line, across the boundary between two windows. */
export function adjacent(el, direction) {
  const sibling = direction > 0 ? el.nextElementSibling : el.previousElementSibling;
  if (sibling && sibling.classList.contains("line")) return sibling;
  const box = direction > 0 ? el.parentElement.nextElementSibling : el.parentElement.previousElementSibling;
  if (!box || !box.classList.contains("window")) return null;
  return direction > 0 ? box.firstElementChild : box.lastElementChild;
}

const DIALOG_KEYS = { c: "dlg-code", e: "dlg-extract", n: "dlg-note" };
const STRIPES = "reverie.stripes";

// Ctrl+Z belongs to a field while one has the focus (its own undo), to the reader otherwise.
function inField(target) {
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) || target.isContentEditable;
}

/* The "Coding stripes" toggle: aria-pressed, the reader's class, and the choice kept for next time. */
function stripes(root) {
  const toggle = document.getElementById("stripes-toggle");
  if (!toggle) return;
  const show = (on) => {
    toggle.setAttribute("aria-pressed", String(on));
    root.classList.toggle("stripes", on);
  };
  let saved = false;
  try { saved = localStorage.getItem(STRIPES) === "on"; } catch (_) { /* storage off: not remembered */ }
  show(saved);
  toggle.addEventListener("click", () => {
    const on = toggle.getAttribute("aria-pressed") !== "true";
    show(on);
    try { localStorage.setItem(STRIPES, on ? "on" : "off"); } catch (_) { /* storage off */ }
  });
}

/* Start the reader in `root`; `codeLine(from, to, dialogId)` is what c, e and n do on lines. */
export function reader(root, { codeLine }) {
  const first = Number(root.dataset.first);
  const last = Number(root.dataset.last);
  const size = Number(root.dataset.window);
  const audio = document.getElementById("audio");
  const top = document.createElement("div");
  const bottom = document.createElement("div");
  top.className = bottom.className = "sentinel";
  root.append(top, bottom);
  let lo = null;
  let hi = null;
  let timed = [];
  // Lines are remembered by number, because a window fetched again brings new elements.
  let placeN = null; // the line that holds the reader's place (the one Tab reaches)
  let anchorN = null; // where a Shift+J/K run of picked lines began (null: no run)
  let targetN = null; // the line of the #L anchor
  let playingN = null; // the line being played
  let timeMiss = null; // the loaded range for which a time had no line, so it is not asked for again
  let running = 0;
  let chain = Promise.resolve();

  const line = (n) => (n === null ? null : document.getElementById(`L${n}`));
  const lines = () => root.querySelectorAll(".line");
  const windows = () => Array.from(root.querySelectorAll(":scope > .window"));

  // One fetch at a time, in order. Scrolling asks often, so its requests are dropped while one
  // runs; going to a line, stepping and refreshing after a save wait their turn instead.
  function exclusive(work, { wait = false } = {}) {
    if (running && !wait) return Promise.resolve();
    running += 1;
    const run = chain.then(work).catch((error) => say(error.message, "error")).finally(() => { running -= 1; });
    chain = run;
    return run;
  }

  async function fetchWindow(query) {
    const params = new URLSearchParams({ count: size, ...query, view: root.dataset.view });
    const response = await ask(`${root.dataset.linesUrl}?${params}`);
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    const own = template.content.querySelectorAll(".line");
    if (!own.length) return null;
    const box = document.createElement("div");
    box.className = "window";
    box.setAttribute("role", "none");
    box.dataset.first = own[0].dataset.n;
    box.dataset.last = own[own.length - 1].dataset.n;
    box.append(template.content);
    return box;
  }

  // The place line, and its annotation marks, are the ones Tab reaches (a roving tabindex).
  function rove(el) {
    root.querySelectorAll('[tabindex="0"]').forEach((other) => { other.tabIndex = -1; });
    if (!el) return;
    el.tabIndex = 0;
    el.querySelectorAll(".hl, .uncode, .extract-mark, .note-mark").forEach((mark) => { mark.tabIndex = 0; });
  }

  // The picked run of lines, from the anchor to the place line, drawn on the lines in the page.
  function picked() {
    if (anchorN === null || placeN === null) return null;
    return [Math.min(anchorN, placeN), Math.max(anchorN, placeN)];
  }

  function drawPicked() {
    root.querySelectorAll(".line.picked").forEach((el) => el.classList.remove("picked"));
    const run = picked();
    if (!run) return;
    for (let n = run[0]; n <= run[1]; n += 1) line(n)?.classList.add("picked");
  }

  function unpick() {
    anchorN = null;
    drawPicked();
  }

  function settle() {
    const all = lines();
    lo = all.length ? Number(all[0].dataset.n) : null;
    hi = all.length ? Number(all[all.length - 1].dataset.n) : null;
    timed = Array.from(root.querySelectorAll(".line[data-t]"), (el) => [Number(el.dataset.t), el]);
    line(targetN)?.classList.add("target");
    line(playingN)?.classList.add("playing");
    rove(line(placeN) || all[0] || null);
    drawPicked();
  }

  function firstInView() {
    const edge = root.getBoundingClientRect().top;
    return Array.from(lines()).find((el) => el.getBoundingClientRect().bottom > edge) || null;
  }

  // Dropping the window that holds the keyboard focus would leave focus nowhere: move it to a line in view.
  function drop(boxes) {
    const lost = boxes.some((box) => box.contains(document.activeElement));
    boxes.forEach((box) => box.remove());
    if (!lost) return;
    const el = firstInView();
    if (el) {
      placeN = Number(el.dataset.n);
      rove(el);
      el.focus({ preventScroll: true });
    }
  }

  async function replaceAll(query) {
    const box = await fetchWindow(query);
    windows().forEach((old) => old.remove());
    if (box) top.after(box);
    settle();
  }

  const loadAround = (n) => replaceAll({ first: Math.max(first, n - Math.floor(size / 2)) });

  async function append() {
    if (hi === null || hi >= last) return;
    const box = await fetchWindow({ first: hi + 1 });
    if (!box) return;
    bottom.before(box);
    const boxes = windows();
    if (boxes.length > MAX_WINDOWS) {
      // Removing lines above the view moves it: keep what the reader was looking at where it was.
      const keep = boxes[boxes.length - MAX_WINDOWS];
      const before = keep.getBoundingClientRect().top;
      drop(boxes.slice(0, boxes.length - MAX_WINDOWS));
      root.scrollTop += keep.getBoundingClientRect().top - before;
    }
    settle();
  }

  async function prepend() {
    if (lo === null || lo <= first) return;
    const from = Math.max(first, lo - size);
    const box = await fetchWindow({ first: from, count: lo - from });
    if (!box) return;
    const anchor = lines()[0];
    const before = anchor.getBoundingClientRect().top;
    top.after(box);
    root.scrollTop += anchor.getBoundingClientRect().top - before;
    drop(windows().slice(MAX_WINDOWS));
    settle();
  }

  async function fill() {
    const margin = root.clientHeight;
    if (root.scrollTop < margin && lo !== null && lo > first) await exclusive(prepend);
    if (root.scrollHeight - root.scrollTop - root.clientHeight < margin && hi !== null && hi < last) {
      await exclusive(append);
    }
  }

  let scheduled = false;
  root.addEventListener("scroll", () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; fill(); });
  });

  function focusLine(el) {
    placeN = Number(el.dataset.n);
    rove(el);
    el.focus();
  }

  root.addEventListener("focusin", (event) => {
    if (event.target.classList.contains("line")) {
      placeN = Number(event.target.dataset.n);
      rove(event.target);
    }
  });

  async function goTo(n) {
    if (!line(n)) await exclusive(() => loadAround(n), { wait: true });
    const el = line(n);
    if (!el) {
      say(`this transcript has no line ${n} (lines ${first}-${last})`, "error");
      return;
    }
    line(targetN)?.classList.remove("target");
    targetN = n;
    el.classList.add("target");
    el.scrollIntoView({ block: "center" });
    focusLine(el);
    await fill();
  }

  async function extend(direction) {
    if (anchorN === null) anchorN = placeN;
    await step(direction, true);
    drawPicked();
    const run = picked();
    if (run) say(`lines ${run[0]}-${run[1]} picked: c code, e extract, n note, Escape to let go`);
  }

  // c, e or n: the picked run of lines, or else the focused line, into that dialog.
  function act(key, el) {
    const run = picked();
    if (run && run[0] !== run[1]) {
      const a = line(run[0]);
      const b = line(run[1]);
      if (!a || !b) { say(`lines ${run[0]}-${run[1]} are no longer all in the page; pick them again`, "error"); return; }
      codeLine(a, b, DIALOG_KEYS[key]);
    } else if (el) {
      codeLine(el, el, DIALOG_KEYS[key]);
    }
  }

  async function step(direction, keepRun = false) {
    if (!keepRun && anchorN !== null) unpick();
    const from = line(placeN);
    if (!from) return;
    let next = adjacent(from, direction);
    if (!next) {
      await exclusive(async () => {
        if (!adjacent(from, direction)) await (direction > 0 ? append() : prepend());
      }, { wait: true });
      next = from.isConnected && adjacent(from, direction);
    }
    if (next) {
      focusLine(next);
      next.scrollIntoView({ block: "nearest" });
      fill();
    }
  }

  function playFrom(el) {
    if (!audio) return;
    if (el.dataset.t === undefined) {
      say(`line ${el.dataset.n} has no time in the recording`, "error");
      return;
    }
    audio.currentTime = Number(el.dataset.t);
    audio.play();
  }

  // The loaded line being spoken at `now`, null for none, MISSING when it is in a window not loaded.
  function spokenAt(now) {
    if (!timed.length) return lo > first || hi < last ? MISSING : null;
    let low = 0;
    let high = timed.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (timed[mid][0] <= now) { found = mid; low = mid + 1; } else { high = mid - 1; }
    }
    if (found < 0) return lo > first ? MISSING : null;
    const el = timed[found][1];
    if (found === timed.length - 1 && hi < last && !(now <= Number(el.dataset.te))) return MISSING;
    return el;
  }

  function highlight(el) {
    const n = el ? Number(el.dataset.n) : null;
    if (n === playingN && (!el || el.classList.contains("playing"))) return;
    root.querySelectorAll(".playing").forEach((other) => other.classList.remove("playing"));
    playingN = n;
    if (el) {
      el.classList.add("playing");
      if (!audio.paused) el.scrollIntoView({ block: "nearest" });
    }
  }

  // The recording has moved to lines not in the page: fetch the window around that moment. A
  // transcript without times answers with untimed lines, and the reader stays where it is.
  function seek(now) {
    if (running || timeMiss === `${lo}-${hi}`) return;
    exclusive(async () => {
      const box = await fetchWindow({ at: now.toFixed(2) });
      if (box && box.querySelector(".line[data-t]")) {
        windows().forEach((old) => old.remove());
        top.after(box);
        settle();
      }
      const el = spokenAt(now);
      if (!el || el === MISSING) {
        timeMiss = `${lo}-${hi}`;
        return;
      }
      timeMiss = null;
      highlight(el);
      el.scrollIntoView({ block: "center" });
    }).then(fill);
  }

  if (audio) {
    audio.addEventListener("timeupdate", () => {
      const el = spokenAt(audio.currentTime);
      if (el === MISSING) seek(audio.currentTime);
      else highlight(el);
    });
  }

  // A mark shows its annotation while hovered or focused; a click pins it open until Escape.
  function collapseMarks() {
    root.querySelectorAll('.note-mark[aria-expanded="true"]').forEach((mark) => mark.setAttribute("aria-expanded", "false"));
  }

  root.addEventListener("click", (event) => {
    const mark = event.target.closest(".note-mark");
    if (mark) {
      mark.setAttribute("aria-expanded", String(mark.getAttribute("aria-expanded") !== "true"));
      return;
    }
    if (event.target.closest(".hl, .uncode, a")) return; // a highlight's menu, a removal, a link
    const el = event.target.closest(".line");
    if (!el || event.target.closest(".margin") || !getSelection().isCollapsed) return;
    unpick();
    focusLine(el);
    playFrom(el);
  });

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { collapseMarks(); unpick(); }
    if (typing(event)) return;
    const el = event.target.closest(".line");
    if (event.key === "j" || event.key === "ArrowDown" && !event.shiftKey) { event.preventDefault(); step(1); }
    else if (event.key === "k" || event.key === "ArrowUp" && !event.shiftKey) { event.preventDefault(); step(-1); }
    else if (event.key === "J") { event.preventDefault(); extend(1); }
    else if (event.key === "K") { event.preventDefault(); extend(-1); }
    else if (event.key === "Enter" && el) { event.preventDefault(); playFrom(el); }
    else if (event.key in DIALOG_KEYS && (el || picked())) { event.preventDefault(); act(event.key, el); }
  });

  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey || event.key.toLowerCase() !== "z") return;
    if (inField(event.target) || document.querySelector("dialog[open]") || !root.dataset.undoUrl) return;
    event.preventDefault();
    root.dispatchEvent(new CustomEvent("reverie:undo"));
  });

  stripes(root);

  // After a save, the windows holding the lines it touched are fetched again to show the new marks.
  async function refresh(from, to) {
    await exclusive(async () => {
      for (const box of windows()) {
        const a = Number(box.dataset.first);
        const b = Number(box.dataset.last);
        if (b < from || a > to) continue;
        const fresh = await fetchWindow({ first: a, count: b - a + 1 });
        if (!fresh) continue;
        const focused = box.contains(document.activeElement);
        box.replaceWith(fresh);
        if (focused) line(placeN)?.focus({ preventScroll: true });
      }
      settle();
    }, { wait: true });
    for (let n = from; n <= to; n += 1) line(n)?.classList.add("marked");
  }

  root.addEventListener("reverie:lines-changed", (event) => refresh(event.detail.from, event.detail.to));

  window.addEventListener("hashchange", () => {
    const match = /^#L(\d+)$/.exec(location.hash);
    if (match) goTo(Number(match[1]));
  });

  const goto = document.getElementById("goto");
  if (goto) {
    goto.addEventListener("submit", (event) => {
      event.preventDefault();
      const n = Number(new FormData(goto).get("line"));
      if (n) location.hash = `L${n}`;
    });
  }

  const match = /^#L(\d+)$/.exec(location.hash);
  exclusive(() => loadAround(match ? Number(match[1]) : first), { wait: true })
    .then(() => (match ? goTo(Number(match[1])) : fill()));
}
