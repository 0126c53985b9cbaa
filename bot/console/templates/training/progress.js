// Polls the training job's status while it runs, and reloads the page when it is done.
(function () {
  var job = document.getElementById("job");
  if (!job || job.dataset.running !== "yes") return;
  function poll() {
    fetch(job.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("job-progress");
        if (bar) bar.value = s.progress || 0;
        var pct = document.getElementById("job-percent");
        if (pct) pct.textContent = (s.progress || 0) + " %";
        var state = document.getElementById("job-state");
        if (state) state.textContent = s.state;
        var message = document.getElementById("job-message");
        if (message) message.textContent = s.message || "";
        if (s.state === "done" || s.state === "failed") window.location.reload();
        else window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
