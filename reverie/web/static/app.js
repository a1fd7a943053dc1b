/* Reverie workbench: the little JavaScript HTMX does not cover.
 *
 * - the transcript reader: line windows fetched as the reader scrolls, #L978 anchors, j/k keys,
 *   audio that plays from a clicked line and highlights the line being played;
 * - the selection menu: a mouse selection becomes line numbers plus UTF-16 offsets within each
 *   line's text (the server turns them into code points on the stored version);
 * - the correction editor's transcription keys.
 * Transcript text is only ever set with textContent or parsed from server-escaped HTML.
 */
"use strict";

(function () {
  const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT", "BUTTON"]);

  function say(message, kind = "info") {
    const box = document.getElementById("messages");
    const p = document.createElement("p");
    p.className = `message ${kind}`;
    if (kind === "error") p.setAttribute("role", "alert");
    p.textContent = message;
    box.replaceChildren(p);
  }

  async function ask(url, options = {}) {
    const response = await fetch(url, {
      credentials: "same-origin",
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    if (!response.ok) {
      let message = `the workbench answered ${response.status}`;
      try {
        message = (await response.json()).error || message;
      } catch (_) { /* not JSON: keep the status */ }
      throw new Error(message);
    }
    return response;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }

  function typing(event) {
    return TYPING.has(event.target.tagName) || event.target.isContentEditable ||
      event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]");
  }

  /* ---- the reader ---------------------------------------------------------------------- */

  function reader(root) {
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
    let busy = false;
    let focused = null;
    let timed = [];
    let playing = null;

    async function fetchWindow(from, count) {
      const view = root.dataset.view;
      const response = await ask(`${root.dataset.linesUrl}?first=${from}&count=${count}&view=${view}`);
      const template = document.createElement("template");
      template.innerHTML = await response.text();
      return template.content;
    }

    function lines() {
      return root.querySelectorAll(".line");
    }

    function settle() {
      const all = lines();
      lo = all.length ? Number(all[0].dataset.n) : null;
      hi = all.length ? Number(all[all.length - 1].dataset.n) : null;
      timed = Array.from(root.querySelectorAll(".line[data-t]"), (el) => [Number(el.dataset.t), el]);
      if (!focused || !root.contains(focused)) {
        focused = all[0] || null;
        if (focused) focused.tabIndex = 0;
      }
    }

    async function loadAround(n) {
      const content = await fetchWindow(Math.max(first, n - Math.floor(size / 2)), size);
      lines().forEach((el) => el.remove());
      focused = null;
      top.after(content);
      settle();
    }

    async function guarded(work) {
      if (busy) return;
      busy = true;
      try {
        await work();
      } catch (error) {
        say(error.message, "error");
      } finally {
        busy = false;
      }
    }

    const loadAfter = () => guarded(async () => {
      if (hi === null || hi >= last) return;
      bottom.before(await fetchWindow(hi + 1, size));
      settle();
    });

    const loadBefore = () => guarded(async () => {
      if (lo === null || lo <= first) return;
      const from = Math.max(first, lo - size);
      const anchor = lines()[0];
      const before = anchor.getBoundingClientRect().top;
      top.after(await fetchWindow(from, lo - from));
      // Keep what the reader was looking at where it was.
      root.scrollTop += anchor.getBoundingClientRect().top - before;
      settle();
    });

    async function fill() {
      const margin = root.clientHeight;
      if (root.scrollTop < margin && lo !== null && lo > first) await loadBefore();
      if (root.scrollHeight - root.scrollTop - root.clientHeight < margin && hi !== null && hi < last) {
        await loadAfter();
      }
    }

    let scheduled = false;
    root.addEventListener("scroll", () => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => { scheduled = false; fill(); });
    });

    function focusLine(el) {
      if (focused && focused !== el) focused.tabIndex = -1;
      focused = el;
      el.tabIndex = 0;
      el.focus();
    }

    async function goTo(n) {
      let el = document.getElementById(`L${n}`);
      if (!el) {
        await guarded(() => loadAround(n));
        el = document.getElementById(`L${n}`);
      }
      if (!el) {
        say(`this transcript has no line ${n} (lines ${first}-${last})`, "error");
        return;
      }
      root.querySelectorAll(".target").forEach((t) => t.classList.remove("target"));
      el.classList.add("target");
      el.scrollIntoView({ block: "center" });
      focusLine(el);
      await fill();
    }

    async function step(direction) {
      let next = focused && (direction > 0 ? focused.nextElementSibling : focused.previousElementSibling);
      if (!next || !next.classList.contains("line")) {
        await (direction > 0 ? loadAfter() : loadBefore());
        next = focused && (direction > 0 ? focused.nextElementSibling : focused.previousElementSibling);
      }
      if (next && next.classList.contains("line")) {
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

    if (audio) {
      audio.addEventListener("timeupdate", () => {
        const now = audio.currentTime;
        let low = 0;
        let high = timed.length - 1;
        let found = -1;
        while (low <= high) {
          const mid = (low + high) >> 1;
          if (timed[mid][0] <= now) { found = mid; low = mid + 1; } else { high = mid - 1; }
        }
        const el = found >= 0 ? timed[found][1] : null;
        if (el === playing) return;
        if (playing) playing.classList.remove("playing");
        playing = el;
        if (el) {
          el.classList.add("playing");
          if (!audio.paused) el.scrollIntoView({ block: "nearest" });
        }
      });
    }

    root.addEventListener("click", (event) => {
      const el = event.target.closest(".line");
      if (!el || !getSelection().isCollapsed) return;
      focusLine(el);
      playFrom(el);
    });

    root.addEventListener("keydown", (event) => {
      if (typing(event)) return;
      const el = event.target.closest(".line");
      if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); step(1); }
      else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); step(-1); }
      else if (event.key === "Enter" && el) { event.preventDefault(); playFrom(el); }
      else if (event.key === "c" && el) { event.preventDefault(); selection.codeLine(el); }
    });

    const selection = selectionMenu(root);

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
    guarded(() => loadAround(match ? Number(match[1]) : first)).then(() => (match ? goTo(Number(match[1])) : fill()));
  }

  /* ---- selecting text to code, extract or note --------------------------------------- */

  function selectionMenu(root) {
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

    function describe(sel) {
      let a = sel.a;
      let b = sel.b;
      // A drag that ends at the very start of a line ends, in fact, on the line before.
      if (b.offset === 0 && b.line !== a.line && b.line.previousElementSibling?.classList.contains("line")) {
        const previous = b.line.previousElementSibling;
        b = { line: previous, offset: previous.querySelector(".tx").textContent.length };
      }
      if (a.line === b.line && a.offset >= b.offset) return null;
      const parts = [];
      for (let el = a.line; el; el = el.nextElementSibling) {
        if (!el.classList.contains("line")) continue;
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
      const chosen = describe({ a, b });
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

    root.addEventListener("mouseup", () => setTimeout(update, 0));
    root.addEventListener("keyup", (event) => { if (event.shiftKey) update(); });
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });

    function open(id) {
      const dialog = document.getElementById(id);
      const quote = pending.exact.length > 240 ? `${pending.exact.slice(0, 240)}…` : pending.exact;
      const lines = pending.start_line === pending.end_line ? `line ${pending.start_line}`
        : `lines ${pending.start_line}-${pending.end_line}`;
      dialog.querySelector("[data-quote]").textContent = `${root.dataset.code} ${lines}: “${quote}”`;
      hide();
      dialog.showModal();
      dialog.querySelector("input, textarea, select").focus();
    }

    menu.addEventListener("click", (event) => {
      const button = event.target.closest("[data-open]");
      if (button && pending) open(button.dataset.open);
    });

    // The dialog's fields as the JSON body its route expects.
    function body(form) {
      const data = new FormData(form);
      const out = { ...pending };
      for (const [key, value] of data) {
        if (key.startsWith("parts.")) (out.parts ||= {})[key.slice(6)] = value;
        else if (key === "sources") (out.sources ||= []).push(value);
        else if (key === "flags_extract_candidate") out[key] = true;
        else if (key === "affect_intensity") { if (value !== "") out[key] = Number(value); }
        else out[key] = value;
      }
      if ("kind" in out) {
        const known = Array.from(document.querySelectorAll("#code-list option"), (o) => o.value);
        if (known.includes(out.label)) delete out.kind;
      }
      return out;
    }

    document.querySelectorAll("dialog form[data-action]").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        const dialog = form.closest("dialog");
        if (event.submitter && event.submitter.value === "cancel") return;
        event.preventDefault();
        const sent = body(form);
        try {
          const response = await ask(form.dataset.action, {
            method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(sent),
          });
          const answer = await response.json();
          say(answer.message);
          if (sent.kind) {
            const option = document.createElement("option");
            option.value = sent.label;
            document.getElementById("code-list").append(option);
          }
          for (let n = sent.start_line; n <= sent.end_line; n += 1) {
            document.getElementById(`L${n}`)?.classList.add("marked");
          }
          form.reset();
          dialog.close();
          getSelection().removeAllRanges();
        } catch (error) {
          say(error.message, "error");
          dialog.close();
        }
      });
    });

    return {
      codeLine(el) {
        const text = el.querySelector(".tx").textContent;
        if (!text.trim()) { say(`line ${el.dataset.n} is empty`, "error"); return; }
        const n = Number(el.dataset.n);
        pending = { start_line: n, start_offset: 0, end_line: n, end_offset: text.length, exact: text };
        open("dlg-code");
      },
    };
  }

  /* ---- the correction editor ----------------------------------------------------------- */

  function editor(form) {
    const audio = document.getElementById("audio");
    const rate = document.getElementById("rate");
    let lastBox = form.querySelector("textarea[name=text]");

    form.addEventListener("focusin", (event) => {
      if (event.target.matches("textarea[name=text]")) lastBox = event.target;
    });

    const actions = {
      toggle() { if (audio) (audio.paused ? audio.play() : audio.pause()); },
      back() { if (audio) audio.currentTime = Math.max(0, audio.currentTime - 5); },
      slower() {
        if (!rate) return;
        rate.selectedIndex = (rate.selectedIndex + 1) % rate.options.length;
        rate.dispatchEvent(new Event("change"));
      },
      inaudible() {
        if (!lastBox) return;
        const mark = `[inaudible ${clock(audio ? audio.currentTime : 0)}]`;
        lastBox.setRangeText(mark, lastBox.selectionStart, lastBox.selectionEnd, "end");
        lastBox.focus();
      },
    };
    const keys = { Escape: "toggle", F2: "back", F3: "slower", F4: "inaudible" };

    if (rate && audio) rate.addEventListener("change", () => { audio.playbackRate = Number(rate.value); });
    document.addEventListener("keydown", (event) => {
      const action = keys[event.key];
      if (!action) return;
      event.preventDefault();
      actions[action]();
    });
    document.querySelectorAll("[data-act]").forEach((button) => {
      button.addEventListener("click", () => actions[button.dataset.act]());
    });
    form.querySelectorAll("[data-t]").forEach((button) => {
      button.addEventListener("click", () => {
        if (!audio) return;
        audio.currentTime = Number(button.dataset.t);
        audio.play();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("reader");
    if (root) reader(root);
    const corrections = document.getElementById("corrections");
    if (corrections) editor(corrections);
  });
})();
