// While an upload is imported by the worker, show how many rows it has read; reload when it is done.
(function () {
  var box = document.getElementById("upload");
  if (!box || (box.dataset.status !== "waiting" && box.dataset.status !== "running")) return;
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        document.getElementById("upload-status").textContent = data.status_display;
        document.getElementById("upload-rows").textContent = data.rows;
        if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
