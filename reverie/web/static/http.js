/* Requests to the workbench's server: ask() is the one place the page's own scripts build a request,
 * and carryCsrfToken() puts the session's CSRF token on the requests they do not build (HTMX
 * requests and plain form posts).
 *
 * The token comes from the <meta name="csrf-token"> both servers add to workbench pages (local mode
 * and team staff): a change without it is refused, whatever cookie the browser sends.
 */

const SAFE = new Set(["GET", "HEAD"]);
const HEADER = "X-CSRF-Token";

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || null;
}

// The token is only for this server: a change sent anywhere else never carries it.
function needsToken(method, url) {
  return !SAFE.has(method) && new URL(url, location.href).origin === location.origin;
}

/* A request to the server; `json` is sent as a JSON body. Resolves to the response when it succeeded,
 * or throws an Error with the server's message (its JSON `error`) or, failing that, its status.
 */
export async function ask(url, { method = "GET", json, headers = {} } = {}) {
  const verb = method.toUpperCase();
  const request = { method: verb, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (json !== undefined) {
    request.headers["Content-Type"] = "application/json";
    request.body = JSON.stringify(json);
  }
  const token = csrfToken();
  if (token && needsToken(verb, url)) request.headers[HEADER] = token;
  const response = await fetch(url, request);
  if (!response.ok) {
    let message = `the workbench answered ${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch (_) { /* not JSON: keep the status */ }
    throw new Error(message);
  }
  return response;
}

/* Once per page: HTMX requests get the token as a header, plain form posts as a hidden field. */
export function carryCsrfToken() {
  const token = csrfToken();
  if (!token) return;
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers[HEADER] = token;
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.method.toUpperCase() !== "POST" || form.elements.namedItem("csrf_token")) return;
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrf_token";
    field.value = token;
    form.append(field);
  }, true);
}
