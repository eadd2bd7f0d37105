/* Click to enlarge: every figure image of the book opens at its full resolution in an overlay
   (scrollable where it is wider than the window), so that multi-panel figures squeezed into the
   text column can be read panel by panel. Enter or a click opens it; Escape or a click closes it.
   Plain JavaScript, no library, nothing fetched: it works from file:// offline. */
(function () {
  "use strict";
  function close(overlay, opener) {
    overlay.remove();
    document.body.classList.remove("lumbar-zoom-open");
    if (opener) { opener.focus(); }
  }
  function open(img) {
    var overlay = document.createElement("div");
    overlay.className = "lumbar-zoom-overlay";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Enlarged figure: Escape or a click closes it");
    overlay.tabIndex = -1;
    var big = document.createElement("img");
    big.className = "lumbar-zoom-image";
    big.src = img.currentSrc || img.src;
    big.alt = img.alt || "enlarged figure";
    big.width = img.naturalWidth;
    overlay.appendChild(big);
    overlay.addEventListener("click", function () { close(overlay, img); });
    overlay.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(overlay, img); }
    });
    document.body.appendChild(overlay);
    document.body.classList.add("lumbar-zoom-open");
    overlay.focus();
  }
  function enable(img) {
    img.classList.add("lumbar-zoomable");
    img.tabIndex = 0;
    img.title = "Click to enlarge";
    img.addEventListener("click", function () { open(img); });
    img.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { open(img); }
    });
  }
  function start() {
    document.querySelectorAll("figure img, div.cell_output img").forEach(enable);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
