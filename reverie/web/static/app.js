/* Reverie workbench: the little JavaScript HTMX does not cover, started for the page it is on.
 * Each part is its own module beside this one, loaded by the browser as it is (no build step):
 *   http.js       requests to the server, and the session's CSRF token on every change
 *   messages.js   the message line
 *   reader.js     the transcript reader: line windows, keys, audio sync, margin marks
 *   selection.js  the menu over a text selection in the reader
 *   dialogs.js    the reader's dialogs for codes, extracts, notes and annotations
 *   editor.js     the correction editor's transcription keys
 *   upload.js     the import page's file drop zones and upload limits
 *   forms.js      the set-up forms: rows added on request, invalid controls marked
 *   memo.js       the memo editor: drafts kept as you type, versions on Save, errors beside fields
 */
import { carryCsrfToken } from "./http.js";
import { codebook } from "./codebook.js";
import { selectionDialogs } from "./dialogs.js";
import { editor } from "./editor.js";
import { setupForms } from "./forms.js";
import { memo } from "./memo.js";
import { reader } from "./reader.js";
import { selectionMenu } from "./selection.js";
import { themes } from "./themes.js";
import { uploads } from "./upload.js";

carryCsrfToken();
uploads();
setupForms();
themes();
if (document.querySelector("[data-codebook]")) codebook();
const memoForm = document.querySelector("form[data-memo]");
if (memoForm) memo(memoForm);

const transcript = document.getElementById("reader");
if (transcript) {
  // A transcriber's reader has no selection menu: coding and annotating are the analysis, not theirs.
  const menu = document.getElementById("selection-menu")
    ? selectionMenu(transcript, selectionDialogs(transcript).open) : null;
  reader(transcript, { codeLine: menu ? menu.codeLine : () => {} });
}

const corrections = document.getElementById("corrections");
if (corrections) editor(corrections);
