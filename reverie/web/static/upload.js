/* File uploads on the import page: drop a file on a form's drop zone, or choose it with the file
 * control inside it (a real <input type=file>, so the keyboard and a screen reader work as usual).
 *
 * A dropped file is put into that same control, so the form sends it exactly as a chosen one.
 * A file past the form's limit is refused here with the server's own words (naming the file and
 * the limit) before a byte is sent; the server refuses it again if this script is bypassed.
 * While a form sends, its <progress class="sending"> shows how much has gone.
 */

function outcomeOf(input) {
  const id = input.getAttribute("aria-describedby");
  return id ? document.getElementById(id) : null;
}

function say(slot, text) {
  if (!slot) return;
  const message = document.createElement("p");
  message.className = "message error";
  message.setAttribute("role", "alert");
  message.textContent = text; // a file name is data, never markup
  slot.replaceChildren(message);
}

function sizeText(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`;
}

/* A new file: what the slot said about the previous one (its voices, its refusal) no longer holds. */
function chosen(zone, input) {
  const slot = outcomeOf(input);
  if (slot) slot.replaceChildren();
  const file = input.files && input.files[0];
  const note = zone.querySelector(".chosen");
  if (note) note.textContent = file ? `${file.name} (${sizeText(file.size)})` : "";
  const limit = Number(zone.dataset.limit || 0);
  if (file && limit && file.size > limit) {
    const text = `${file.name} is larger than ${zone.dataset.limitText}, the limit for ${zone.dataset.what}; nothing was saved`;
    input.setCustomValidity(text);
    say(slot, text);
  } else {
    input.setCustomValidity("");
  }
}

function dropZone(zone) {
  const input = zone.querySelector('input[type="file"]');
  if (!input) return;
  if (!zone.querySelector(".chosen")) {
    const note = document.createElement("p");
    note.className = "chosen";
    note.setAttribute("aria-live", "polite");
    zone.append(note);
  }
  input.addEventListener("change", () => chosen(zone, input));
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (!file) return;
    const carried = new DataTransfer();
    carried.items.add(file); // one file per form, whatever was dropped
    input.files = carried.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
}

function sending(form) {
  const bar = form.querySelector("progress.sending");
  if (!bar) return;
  form.addEventListener("htmx:xhr:progress", (event) => {
    if (!event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = event.detail.loaded / event.detail.total;
  });
  form.addEventListener("htmx:afterRequest", () => {
    bar.hidden = true;
    bar.value = 0;
  });
}

export function uploads(root = document) {
  const zones = root.querySelectorAll(".dropzone");
  if (!zones.length) return;
  zones.forEach(dropZone);
  root.querySelectorAll("form.upload").forEach(sending);
  // A file dropped beside a zone would make the browser leave the page to show it.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => {
    if (!event.target.closest || !event.target.closest(".dropzone")) event.preventDefault();
  });
}
