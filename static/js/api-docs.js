// The API documentation page: Swagger UI (drf-spectacular-sidecar), started here rather than
// from an inline script, so the page keeps the strict Content-Security-Policy. Calls tried from
// the page run as the signed-in official; writes carry the page's CSRF token.
(function () {
  "use strict";
  function start() {
    var root = document.getElementById("api-reference");
    if (!root || typeof window.SwaggerUIBundle !== "function") return;
    var csrf = root.getAttribute("data-csrf-token");
    window.SwaggerUIBundle({
      url: root.getAttribute("data-schema-url"),
      domNode: root,
      deepLinking: false,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      withCredentials: true,
      requestInterceptor: function (request) {
        var method = (request.method || "GET").toUpperCase();
        if (["GET", "HEAD", "OPTIONS"].indexOf(method) === -1) {
          request.headers["X-CSRFToken"] = csrf;
        }
        return request;
      },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
