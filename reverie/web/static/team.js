/* Team mode's addition to the workbench's pages: a Password link and a Sign out button in the top bar. (The session's
 * CSRF token travels with every change through http.js, as the page's other requests do.)
 */

const nav = document.querySelector("header.top nav");
if (nav) {
  const form = document.createElement("form");
  form.method = "post";
  // Relative to the workbench's own address (the brand link), as every other URL of the page is.
  form.action = new URL("logout", document.querySelector("header.top a.brand").href).href;
  form.className = "inline";
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Sign out";
  form.append(button);
  const password = document.createElement("a");
  password.href = "/account/password";
  password.textContent = "Password";
  nav.append(password, form);
}
