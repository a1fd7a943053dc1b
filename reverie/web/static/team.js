/* Team mode's addition to the workbench's pages: a Sign out button in the top bar. (The session's
 * CSRF token travels with every change through http.js, as the page's other requests do.)
 */

const nav = document.querySelector("header.top nav");
if (nav) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/logout";
  form.className = "inline";
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Sign out";
  form.append(button);
  nav.append(form);
}
