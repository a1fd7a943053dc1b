/* The reader's dialogs (#dlg-code, #dlg-extract, #dlg-note, #dlg-nonverbal, #dlg-reported): each
 * opens empty on the chosen text, sends its fields as the JSON body its route expects, says what
 * the server answered and asks the reader to show the lines that changed ("reverie:lines-changed"
 * on #reader). Enter in a one-line field (or Ctrl+Enter anywhere) submits; Escape or Cancel closes
 * unsent. A refusal stays in the dialog, beside the field it is about, with what was typed kept.
 *
 * Applying or removing a code offers Undo on the message line (and Ctrl+Z in the reader, which
 * sends "reverie:undo" on #reader): undo posts back what the server handed out for it.
 */
import { ask } from "./http.js";
import { say } from "./messages.js";

// "1:05" or "00:01:05.5" as seconds.
function seconds(clockText) {
  const parts = clockText.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

// The dialog's fields, on top of the chosen text, as the JSON body its route expects.
function body(form, chosen) {
  const data = new FormData(form);
  const out = { ...chosen };
  const times = [];
  for (const [key, value] of data) {
    if (key.startsWith("parts.")) (out.parts ||= {})[key.slice(6)] = value;
    else if (key === "sources") (out.sources ||= []).push(value);
    else if (key === "flags_extract_candidate") out[key] = true;
    else if (key === "affect_intensity") { if (value !== "") out[key] = Number(value); }
    else if (key === "time_from" || key === "time_to") { if (value.trim()) times.push(seconds(value)); }
    else out[key] = value;
  }
  // One time given is a moment; two are a stretch of the recording.
  if (times.length) out.timecode = [times[0], times[times.length - 1]];
  if ("label" in out && "kind" in out) {
    const known = Array.from(document.querySelectorAll("#code-list option"), (o) => o.value);
    if (known.includes(out.label)) delete out.kind;
  }
  return out;
}

// Enter in a one-line field submits, as in any form: the browser would press the first button,
// which here is Cancel. In a text area Enter is a new line, and Ctrl+Enter submits.
function submitOnEnter(form) {
  const ok = form.querySelector('button[value="ok"]');
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || !ok) return;
    const field = event.target.tagName;
    const submits = field === "INPUT" || field === "SELECT" || (field === "TEXTAREA" && (event.ctrlKey || event.metaKey));
    if (!submits) return;
    event.preventDefault();
    form.requestSubmit(ok);
  });
}

// Words in a refusal that name a field: the error is shown beside that field.
const FIELD_WORDS = [
  [/\bkind\b/i, "kind"], [/voice|figure/i, "voiced_figure"], [/describe|description/i, "description"],
  [/timecode|time\b/i, "time_from"], [/source/i, "source"], [/\bwhy\b|reason/i, "why"], [/title/i, "title"],
];

function culprit(form, message) {
  for (const [pattern, name] of FIELD_WORDS) {
    const field = form.elements.namedItem(name);
    if (field && pattern.test(message) && field.tagName) return field;
  }
  return form.querySelector("[required]") || form.querySelector("input, textarea, select");
}

function clearError(form) {
  form.querySelectorAll(".field-error").forEach((el) => el.remove());
  form.querySelectorAll("[aria-invalid]").forEach((field) => {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  });
}

function showError(form, message) {
  clearError(form);
  const field = culprit(form, message);
  const error = document.createElement("p");
  error.className = "field-error";
  error.id = `${form.closest("dialog").id}-error`;
  error.setAttribute("role", "alert");
  error.textContent = message;
  (field.closest("label") || field).after(error);
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", error.id);
  field.focus();
}

const undoers = new WeakMap();

/* Undo of the last apply or removal of a code, offered on the message line: one per reader. */
export function undoer(root) {
  if (!undoers.has(root)) undoers.set(root, makeUndoer(root));
  return undoers.get(root);
}

function makeUndoer(root) {
  let last = null;

  async function undo() {
    if (!last) { say("nothing to undo"); return; }
    const sent = last;
    last = null;
    try {
      const answer = await (await ask(root.dataset.undoUrl, { method: "POST", json: sent })).json();
      say(answer.message);
      const [from, to] = answer.lines;
      root.dispatchEvent(new CustomEvent("reverie:lines-changed", { detail: { from, to } }));
    } catch (error) {
      say(error.message, "error");
    }
  }

  root.addEventListener("reverie:undo", undo);

  return {
    /* Say what the server answered; when it can be undone, with an Undo button beside it. */
    answered(answer) {
      say(answer.message);
      last = answer.undo || null;
      if (!last) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "undo";
      button.textContent = "Undo";
      button.setAttribute("aria-label", `Undo: ${answer.message}`);
      button.addEventListener("click", () => { button.disabled = true; undo(); });
      document.querySelector("#messages .message")?.append(" ", button);
    },
  };
}

/* The dialogs of the reader in `root`; `open(id, chosen)` shows dialog `id` for the chosen text. */
export function selectionDialogs(root, undo = undoer(root)) {
  let pending = null;

  document.querySelectorAll("dialog form[data-action]").forEach((form) => {
    submitOnEnter(form);
    const dialog = form.closest("dialog");
    // Escape (the dialog's cancel) and Cancel close unsent; the next opening starts empty anyway.
    dialog.addEventListener("close", () => clearError(form));
    form.addEventListener("input", (event) => {
      if (event.target.getAttribute("aria-invalid")) clearError(form);
    });
    form.addEventListener("submit", async (event) => {
      if (event.submitter && event.submitter.value === "cancel") return;
      event.preventDefault();
      const sent = body(form, pending);
      try {
        const answer = await (await ask(form.dataset.action, { method: "POST", json: sent })).json();
        undo.answered(answer);
        if ("label" in sent && sent.kind) {
          const option = document.createElement("option");
          option.value = sent.label;
          document.getElementById("code-list").append(option);
        }
        form.reset();
        dialog.close();
        getSelection().removeAllRanges();
        const [from, to] = answer.lines || [sent.start_line, sent.end_line];
        root.dispatchEvent(new CustomEvent("reverie:lines-changed", { detail: { from, to } }));
      } catch (error) {
        showError(form, error.message);  // the dialog stays open with what was typed
      }
    });
  });

  return {
    open(id, chosen) {
      pending = { ...chosen, view: root.dataset.view };
      const dialog = document.getElementById(id);
      const form = dialog.querySelector("form");
      form.reset();
      clearError(form);
      const quote = chosen.exact.length > 240 ? `${chosen.exact.slice(0, 240)}…` : chosen.exact;
      const lines = chosen.start_line === chosen.end_line ? `line ${chosen.start_line}`
        : `lines ${chosen.start_line}-${chosen.end_line}`;
      dialog.querySelector("[data-quote]").textContent = `${root.dataset.code} ${lines}: “${quote}”`;
      dialog.showModal();
      dialog.querySelector("input, textarea, select").focus();
    },
    undo,
  };
}
