/* Reverie team mode: carry the session's CSRF token on every change the workbench makes, and
 * offer a way to sign out. The token comes from the <meta name="reverie-csrf"> the server adds to
 * each page; it goes on HTMX requests (a header), plain form posts (a hidden field) and the
 * workbench's own same-origin fetch calls (a header).
 */
"use strict";

(function () {
  const meta = document.querySelector('meta[name="reverie-csrf"]');
  if (!meta) return;
  const token = meta.content;
  const SAFE = new Set(["GET", "HEAD"]);

  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = token;
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

  const plainFetch = window.fetch.bind(window);
  window.fetch = (resource, options = {}) => {
    const method = (options.method || "GET").toUpperCase();
    const url = new URL(resource instanceof Request ? resource.url : resource, location.href);
    if (SAFE.has(method) || url.origin !== location.origin) return plainFetch(resource, options);
    return plainFetch(resource, { ...options, headers: { ...(options.headers || {}), "X-CSRF-Token": token } });
  };

  document.addEventListener("DOMContentLoaded", () => {
    const nav = document.querySelector("header.top nav");
    if (!nav) return;
    const form = document.createElement("form");
    form.method = "post";
    form.action = "/logout";
    form.className = "inline";
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Sign out";
    form.append(button);
    nav.append(form);
  });
})();
