// Live Code (Thebe) runs the page's cells on a Binder kernel, so it needs the network. sphinx-thebe fetches
// thebe only when the reader clicks the button; when that fetch fails (no network, or a blocked host), the
// button would say "Loading thebe from CDN..." for ever. Say what happened instead.
document.addEventListener(
  "error",
  (event) => {
    const script = event.target;
    if (!(script instanceof HTMLScriptElement) || typeof THEBE_JS_URL === "undefined") return;
    if (script.src !== THEBE_JS_URL) return;
    document.querySelectorAll(".thebe-launch-button").forEach((button) => {
      button.textContent =
        "Live Code needs an internet connection: it runs the code on mybinder.org. " +
        "Everything else on this page works offline.";
      button.classList.add("live-code-offline");
    });
  },
  true, // error events of scripts do not bubble: listen while they go down to the script
);
