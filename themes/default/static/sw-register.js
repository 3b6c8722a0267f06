// Registers the site's service worker (offline reading), only where
// browsers allow one: over https or on this computer (localhost).
(function () {
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator) || !window.isSecureContext) return;
  var worker = script.getAttribute("data-worker");
  var scope = script.getAttribute("data-scope");
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker, { scope: scope }).catch(function () {});
  });
})();
