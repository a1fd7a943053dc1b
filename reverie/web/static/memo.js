/* The memo editor (form[data-memo]): no word typed is ever lost.
 *
 * - Every change is copied at once to sessionStorage (this tab) and, a moment after typing
 *   pauses, to the server as the researcher's draft (no version, no audit event).
 * - While the connection is lost the text stays in memory and sessionStorage and the draft is
 *   retried; a reload restores what the server did not confirm.
 * - Save (or leaving the page) makes a version; a refusal says what is wrong beside the field,
 *   keeps every field as typed, and the status never claims "Saved" when nothing was saved.
 * - Fields of rows (discourses, positioning acts…) add and remove rows here.
 */

const DRAFT_DELAY_MS = 700;
const RETRY_MS = 3000;
const REASONS = new Set(["why", "evidence"]);

function csrfHeaders() {
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  return token ? { "X-CSRF-Token": token } : {};
}

function clock() {
  return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// The form as name → values, in document order (a field of rows repeats its names).
function valuesOf(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) (values[name] ||= []).push(String(value));
  return values;
}

function fieldsOnly(values) {
  return JSON.stringify(Object.entries(values).filter(([name]) => !REASONS.has(name)));
}

function body(form) {
  return new URLSearchParams(new FormData(form));
}

function renumber(container) {
  container.querySelectorAll("[data-row]").forEach((row, index) => {
    const number = String(index + 1);
    row.querySelectorAll("[data-label]").forEach((el) => el.setAttribute("aria-label", el.dataset.label.replace("#", number)));
    row.querySelectorAll("[data-legend]").forEach((el) => { el.textContent = el.dataset.legend.replace("#", number); });
  });
}

function emptyRow(row) {
  for (const control of row.querySelectorAll("input, textarea, select")) {
    if (control.tagName === "SELECT") control.selectedIndex = 0;
    else control.value = "";
    control.removeAttribute("aria-invalid");
  }
  row.querySelectorAll("details").forEach((d) => { d.open = false; });
  return row;
}

function addRow(container) {
  const rows = container.querySelectorAll("[data-row]");
  const row = emptyRow(rows[rows.length - 1].cloneNode(true));
  container.append(row);
  renumber(container);
  return row;
}

function removeRow(row) {
  const container = row.closest("[data-rows]");
  if (container.querySelectorAll("[data-row]").length > 1) row.remove();
  else emptyRow(row);
  renumber(container);
}

// Put values back into the form, adding or removing rows so that every row has its place.
function fill(form, values) {
  for (const container of form.querySelectorAll("[data-rows]")) {
    const names = new Set([...container.querySelectorAll("[name]")].map((c) => c.name));
    const wanted = Math.max(1, ...[...names].map((n) => (values[n] || []).length));
    let rows = container.querySelectorAll("[data-row]");
    while (rows.length < wanted) { addRow(container); rows = container.querySelectorAll("[data-row]"); }
    for (let i = rows.length - 1; i >= wanted; i -= 1) rows[i].remove();
    renumber(container);
  }
  const seen = {};
  for (const control of form.querySelectorAll("[name]")) {
    if (control.type === "checkbox") {
      control.checked = (values[control.name] || []).includes(control.value);
      continue;
    }
    const list = values[control.name];
    if (!list) continue;
    const index = seen[control.name] = (seen[control.name] ?? -1) + 1;
    const value = list[index] ?? "";
    if (control.tagName === "SELECT" && value && ![...control.options].some((o) => o.value === value)) {
      control.add(new Option(value, value));
    }
    control.value = value;
  }
}

export function memo(form) {
  const status = document.getElementById("memo-status");
  const key = form.dataset.key;
  const draftUrl = form.dataset.draftUrl;
  const saveUrl = form.action;
  let version = Number(form.dataset.version || 0);
  let dirty = form.hasAttribute("data-dirty");     // fields differ from the last saved version
  let pending = false;                              // typed text the server has not confirmed
  let savedFields = fieldsOnly(valuesOf(form));
  let timer = null;
  let offline = false;

  const show = (text, kind = "") => {
    status.textContent = text;
    status.dataset.kind = kind;
  };

  const remember = () => {
    try {
      sessionStorage.setItem(key, JSON.stringify({ values: valuesOf(form), pending, dirty, version }));
    } catch (_) { /* storage full or refused: the memory copy and the server draft remain */ }
  };

  async function sendDraft() {
    clearTimeout(timer);
    timer = null;
    if (!pending) return;
    const sent = fieldsOnly(valuesOf(form)) + JSON.stringify(valuesOf(form).why || []);
    try {
      const response = await fetch(draftUrl, {
        method: "POST", credentials: "same-origin", body: body(form),
        headers: { Accept: "application/json", ...csrfHeaders() },
      });
      if (!response.ok) {
        let message = `the workbench answered ${response.status}`;
        try { message = (await response.json()).error || message; } catch (_) { /* keep the status */ }
        show(`Draft not kept on the server: ${message}. Your text stays in this page.`, "error");
        return;
      }
      const answer = await response.json();
      offline = false;
      if (sent === fieldsOnly(valuesOf(form)) + JSON.stringify(valuesOf(form).why || [])) pending = false;
      remember();
      show(`Draft kept at ${answer.kept_at} (not yet a version: Save makes one).`);
    } catch (_) {
      offline = true;
      show("Connection lost: your text is kept in this browser; retrying…", "warning");
      timer = setTimeout(sendDraft, RETRY_MS);
    }
  }

  function changed() {
    pending = true;
    dirty = fieldsOnly(valuesOf(form)) !== savedFields || dirty;
    remember();
    if (!offline) show("Unsaved changes…");
    clearTimeout(timer);
    timer = setTimeout(sendDraft, offline ? RETRY_MS : DRAFT_DELAY_MS);
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; slot.removeAttribute("role"); });
    form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
  }

  function showError(answer) {
    const where = answer.field ? form.querySelector(`[data-field="${CSS.escape(answer.field)}"]`) : null;
    const slot = answer.field === "why" ? document.getElementById("memo-why-error")
      : answer.field === "evidence" ? document.getElementById("memo-evidence-error")
        : where?.querySelector(".field-error");
    let controls = [];
    if (answer.field === "why") controls = [document.getElementById("memo-why")];
    else if (answer.field === "evidence") {
      const picker = document.getElementById("memo-evidence");
      picker.closest("details")?.setAttribute("open", "");
      controls = [picker];
    }
    else if (where) {
      const rows = where.querySelectorAll("[data-row]");
      const scope = answer.row && rows[answer.row - 1] ? rows[answer.row - 1] : where;
      controls = [...scope.querySelectorAll("input, textarea, select")];
    }
    if (slot) {
      slot.textContent = answer.error;
      slot.setAttribute("role", "alert");
      if (where) where.closest("details")?.setAttribute("open", "");
      for (const control of controls) control.setAttribute("aria-invalid", "true");
      const first = controls[0]?.matches("fieldset") ? controls[0].querySelector("input") : controls[0];
      first?.focus();
      show(`Not saved: ${answer.error} (see beside the field). Your text is kept as your draft.`, "error");
    } else {
      show(`Not saved: ${answer.error}. Your text is kept as your draft.`, "error");
    }
  }

  async function save({ leaving = false } = {}) {
    clearTimeout(timer);
    const request = {
      method: "POST", credentials: "same-origin", body: body(form), keepalive: leaving,
      headers: { Accept: "application/json, text/html", ...csrfHeaders() },
    };
    if (leaving) { fetch(saveUrl, request).catch(() => {}); return; }
    clearErrors();
    show("Saving…");
    let response;
    try {
      response = await fetch(saveUrl, request);
    } catch (_) {
      offline = true;
      pending = true;
      remember();
      show("Not saved: the connection is lost. Your text is kept in this browser; retrying the draft…", "error");
      timer = setTimeout(sendDraft, RETRY_MS);
      return;
    }
    offline = false;
    if (!response.ok) {
      let answer = { error: `the workbench answered ${response.status}` };
      try { answer = await response.json(); } catch (_) { /* keep the status */ }
      // A refusal (the study's rules) keeps the form as the server-side draft; anything else, keep trying the draft.
      if ([404, 409, 422].includes(response.status)) pending = false;
      else timer = setTimeout(sendDraft, RETRY_MS);
      remember();
      showError(answer);
      return;
    }
    const holder = document.createElement("div");
    holder.innerHTML = await response.text();
    const saved = holder.querySelector("[data-saved-version]");
    version = Number(saved?.dataset.savedVersion || version + 1);
    const history = document.getElementById("memo-history");
    history.replaceChildren(...holder.querySelectorAll("section"));
    window.htmx?.process(history);  // its "changes" links load the diff in place
    const warnings = [...holder.querySelectorAll("[data-warning]")].map((p) => p.textContent.trim());
    savedFields = fieldsOnly(valuesOf(form));
    dirty = false;
    pending = false;
    const why = document.getElementById("memo-why");
    why.value = "";
    document.querySelectorAll('#memo-evidence input[type="checkbox"]').forEach((box) => { box.checked = false; });
    why.setAttribute("aria-required", "true");
    why.dataset.revises = String(version);
    const label = form.querySelector('label[for="memo-why"]');
    if (label) label.textContent = `Reason for revising version ${version} (required)`;
    form.dataset.version = String(version);
    document.getElementById("memo-draft-note")?.remove();
    remember();
    show(`Saved version ${version} at ${clock()}.${warnings.length ? ` Warning: ${warnings.join(" ")}` : ""}`,
      warnings.length ? "warning" : "ok");
  }

  // What this tab typed but the server never confirmed (a reload mid-typing, a lost connection) comes back.
  try {
    const kept = JSON.parse(sessionStorage.getItem(key) || "null");
    if (kept && kept.pending && kept.values && fieldsOnly(kept.values) === fieldsOnly(valuesOf(form))
        && JSON.stringify(kept.values.why || []) === JSON.stringify(valuesOf(form).why || [])) {
      pending = false;  // the server already holds it (as a draft or a version)
      remember();
    } else if (kept && kept.pending && kept.values) {
      fill(form, kept.values);
      dirty = true;
      pending = true;
      show("Restored what you typed before the page was reloaded; keeping it as your draft…");
      timer = setTimeout(sendDraft, 0);
    }
  } catch (_) { /* nothing kept */ }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-memo-add]");
    if (add) {
      const container = form.querySelector(`[data-rows="${CSS.escape(add.dataset.memoAdd)}"]`);
      addRow(container).querySelector("input, textarea, select")?.focus();
      changed();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      const container = remove.closest("[data-rows]");
      removeRow(remove.closest("[data-row]"));
      container.querySelector("input, textarea, select")?.focus();
      changed();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "hidden" || !pending) return;
    fetch(draftUrl, { method: "POST", credentials: "same-origin", body: body(form), keepalive: true,
      headers: { Accept: "application/json", ...csrfHeaders() } }).catch(() => {});
  });
  // Leaving the page makes a version of what changed (a revision without a reason is refused and stays a draft).
  window.addEventListener("pagehide", () => {
    remember();
    if (dirty) save({ leaving: true });
  });
}
