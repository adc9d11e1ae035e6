/* Cái Đẹp — job page: the progress bar and count update in place every second while the job
   runs; when it ends the page reloads to show the report. Without JavaScript the page
   refreshes itself every three seconds (a <noscript> meta refresh). */
(function () {
  "use strict";
  var box = document.querySelector(".job-status[data-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");

  function part(name) { return box.querySelector('[data-part="' + name + '"]'); }

  function show(status) {
    var label = part("state_label"), bar = part("bar"), stage = part("stage"),
        count = part("count");
    if (label) { label.textContent = status.state_label; }
    if (bar && status.total) {
      bar.max = status.total;
      bar.value = status.done;
      bar.textContent = (status.percent || 0) + " %";
    }
    if (stage) { stage.textContent = status.stage || ""; }
    if (count) { count.textContent = status.total ? status.done + " / " + status.total : ""; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        if (status.state !== "queued" && status.state !== "running") {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
