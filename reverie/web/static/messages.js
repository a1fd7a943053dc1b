/* The page's message line (#messages): what the scripts tell the researcher, errors announced. */

export function say(message, kind = "info") {
  const box = document.getElementById("messages");
  const p = document.createElement("p");
  p.className = `message ${kind}`;
  if (kind === "error") p.setAttribute("role", "alert");
  p.textContent = message;
  box.replaceChildren(p);
}
