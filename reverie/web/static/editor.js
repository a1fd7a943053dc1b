/* The correction editor (#corrections): its transcription keys (Esc play/pause, F2 back 5 s, F3
 * slower, F4 an [inaudible hh:mm:ss] mark at the cursor), the same as buttons, and each turn's
 * play button.
 */

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export function editor(form) {
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
