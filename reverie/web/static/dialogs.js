/* The reader's dialogs (#dlg-code, #dlg-extract, #dlg-note, #dlg-nonverbal, #dlg-reported): each
 * shows the chosen text, sends its fields as the JSON body its route expects, says what the server
 * answered and asks the reader to show the lines that changed ("reverie:lines-changed" on #reader).
 * Enter in a one-line field (or Ctrl+Enter anywhere) submits; Escape or Cancel closes unsent.
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

/* The dialogs of the reader in `root`; `open(id, chosen)` shows dialog `id` for the chosen text. */
export function selectionDialogs(root) {
  let pending = null;

  document.querySelectorAll("dialog form[data-action]").forEach((form) => {
    submitOnEnter(form);
    form.addEventListener("submit", async (event) => {
      const dialog = form.closest("dialog");
      if (event.submitter && event.submitter.value === "cancel") return;
      event.preventDefault();
      const sent = body(form, pending);
      try {
        const answer = await (await ask(form.dataset.action, { method: "POST", json: sent })).json();
        say(answer.message);
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
        say(error.message, "error");
        dialog.close();
      }
    });
  });

  return {
    open(id, chosen) {
      pending = chosen;
      const dialog = document.getElementById(id);
      const quote = chosen.exact.length > 240 ? `${chosen.exact.slice(0, 240)}…` : chosen.exact;
      const lines = chosen.start_line === chosen.end_line ? `line ${chosen.start_line}`
        : `lines ${chosen.start_line}-${chosen.end_line}`;
      dialog.querySelector("[data-quote]").textContent = `${root.dataset.code} ${lines}: “${quote}”`;
      dialog.showModal();
      dialog.querySelector("input, textarea, select").focus();
    },
  };
}
