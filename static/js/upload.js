// While an upload is imported by the worker, show how many rows it has read; reload when it is done,
// and once more when the queue build the import asked for has run (for two minutes at most: the broker may be away).
(function () {
  var box = document.getElementById("upload");
  if (!box) return;
  var importing = box.dataset.status === "waiting" || box.dataset.status === "running";
  var queueing = box.hasAttribute("data-queue-pending");
  if (!importing && !queueing) return;
  var tries = 0;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (importing) {
          document.getElementById("upload-status").textContent = data.status_display;
          document.getElementById("upload-rows").textContent = data.rows;
          if (data.finished) { window.location.reload(); return; }
        } else if (!data.queue_pending) { window.location.reload(); return; }
        if (importing || ++tries < 60) setTimeout(poll, importing ? 1000 : 2000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
