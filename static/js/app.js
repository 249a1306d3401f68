/* Integrity Archive front-end behaviour. No inline scripts (CSP): everything hooks data-* attributes. */
(function () {
  "use strict";

  // Confirmation before irreversible acts: <form data-confirm="...">
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  }, true);

  // "Select all" checkboxes for bulk actions: <input type=checkbox data-select-all="name">
  document.addEventListener("change", function (ev) {
    var name = ev.target.getAttribute && ev.target.getAttribute("data-select-all");
    if (!name) { return; }
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (cb) {
      cb.checked = ev.target.checked;
    });
  });

  // Job progress: <div data-job-url="/jobs/1.json"> with a .progress-bar and [data-job-status]
  function pollJob(el) {
    var url = el.getAttribute("data-job-url");
    var bar = el.querySelector(".progress-bar");
    var status = el.querySelector("[data-job-status]");
    var link = el.querySelector("[data-job-download]");
    var retry = el.querySelector("[data-job-retry]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          var pct = job.total ? Math.round(100 * job.done / job.total) : (job.state === "done" ? 100 : 0);
          if (bar) {
            bar.className = bar.className.replace(/\bpw-\d+\b/g, "").trim() + " pw-" + (Math.floor(pct / 5) * 5);
            bar.textContent = pct + "%";
            // the element screen readers read is the one with role=progressbar (Bootstrap 5.3: the outer .progress)
            var meter = bar.closest("[role=progressbar]");
            if (meter) { meter.setAttribute("aria-valuenow", pct); }
          }
          if (status) { status.textContent = job.state_label || job.state; }
          el.setAttribute("data-job-state", job.state);
          if (job.state === "done") {
            if (link && job.download_url) { link.href = job.download_url; link.classList.remove("d-none"); }
            return;
          }
          if (job.state === "failed") { if (retry) { retry.classList.remove("d-none"); } return; }
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    tick();
  }
  document.querySelectorAll("[data-job-url]").forEach(pollJob);

  // Reading a pledge to the end enables the sign form: <div data-read-to-end="formId"> followed by a
  // [data-read-end] marker. The text is in the page's flow: the form opens once the marker has been on
  // screen (or, for a text in a scrolling box, once the box is scrolled to its end).
  document.querySelectorAll("[data-read-to-end]").forEach(function (box) {
    var form = document.getElementById(box.getAttribute("data-read-to-end"));
    if (!form) { return; }
    var hint = form.querySelector("[data-read-hint]");
    var end = document.querySelector("[data-read-end]");
    var opened = false;
    function open() {
      if (opened) { return; }
      opened = true;
      form.querySelectorAll("[data-needs-read]").forEach(function (x) { x.disabled = false; });
      if (hint) { hint.classList.add("d-none"); }
    }
    function check() {
      if (box.scrollHeight > box.clientHeight + 8) {
        if (box.scrollTop + box.clientHeight >= box.scrollHeight - 8) { open(); }
        return;
      }
      if (end) {
        var r = end.getBoundingClientRect();
        if (r.top < (window.innerHeight || document.documentElement.clientHeight)) { open(); }
      } else { open(); }
    }
    box.addEventListener("scroll", check);
    window.addEventListener("scroll", check, { passive: true });
    window.addEventListener("resize", check);
    check();
  });

  // After a refused form: bring the first error into view and focus it (on a phone the error is
  // otherwise below the fold). A field marked .is-invalid / aria-invalid first, else the form's alert.
  (function () {
    var main = document.querySelector("main") || document.body;
    var target = main.querySelector("form .is-invalid:not([type=hidden]), form [aria-invalid=true]");
    var alert = main.querySelector(".alert-danger[role=alert]");
    if (!target && alert) {
      target = alert;
      if (!alert.hasAttribute("tabindex")) { alert.setAttribute("tabindex", "-1"); }
    }
    if (!target) { return; }
    target.scrollIntoView({ block: "center" });
    try { target.focus({ preventScroll: true }); } catch (e) { target.focus(); }
    target.setAttribute("data-focused-error", "");
  })();

  // Auto-submit filters: <select data-autosubmit>
  document.addEventListener("change", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-autosubmit")) { ev.target.form.submit(); }
  });
})();
