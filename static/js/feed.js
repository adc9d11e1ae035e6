/* Cái Đẹp — story page: the Copy control copies the share pack to the clipboard.
   Without JavaScript the same control is a <label> that focuses the text box, so the phone's
   own "Select all / Copy" menu is one long press away. */
(function () {
  "use strict";
  var control = document.getElementById("copy-pack");
  var box = document.getElementById("share-pack");
  var status = document.getElementById("copy-status");
  if (!control || !box) { return; }

  function done() {
    var label = control.getAttribute("data-copied");
    if (status) { status.textContent = label; }
    control.classList.add("copied");
    window.setTimeout(function () { control.classList.remove("copied"); }, 2500);
  }

  function fallback() {
    box.focus();
    box.select();
    box.setSelectionRange(0, box.value.length);
    try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
  }

  control.setAttribute("role", "button");
  control.setAttribute("tabindex", "0");
  function copy(event) {
    event.preventDefault();
    box.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(box.value).then(done, fallback);
    } else {
      fallback();
    }
  }
  control.addEventListener("click", copy);
  control.addEventListener("keydown", function (event) {
    if (event.key === "Enter" || event.key === " ") { copy(event); }
  });
  box.addEventListener("focus", function () { box.select(); });
})();
