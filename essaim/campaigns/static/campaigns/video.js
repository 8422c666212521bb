// A campaign's video: the page shows our own copy of its picture, linking to the video on its
// platform. A click puts the platform's player in its place; nothing is asked of the platform
// before that (the Content-Security-Policy's frame-src allows the instance's platforms only).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-video-player]");
    if (!link || event.defaultPrevented || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var source = new URL(link.getAttribute("data-video-player"));
    source.searchParams.set("autoplay", "1");
    var frame = document.createElement("iframe");
    frame.src = source.toString();
    frame.title = link.getAttribute("data-video-title");
    frame.className = "video-frame";
    frame.allow = "autoplay; fullscreen; picture-in-picture; encrypted-media";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    link.replaceWith(frame);
    frame.focus();
  });
})();
