/* The account form's person search (issue 19.15): <div data-person-lookup="/admin/people/lookup">
   with an input[data-lookup-query], a hidden input[data-lookup-id], a list [data-lookup-results]
   and a [data-lookup-chosen] line. No inline script (CSP); results are text, never HTML. */
(function () {
  "use strict";
  document.querySelectorAll("[data-person-lookup]").forEach(function (box) {
    var url = box.getAttribute("data-person-lookup");
    var query = box.querySelector("[data-lookup-query]");
    var hidden = box.querySelector("[data-lookup-id]");
    var list = box.querySelector("[data-lookup-results]");
    var chosen = box.querySelector("[data-lookup-chosen]");
    var clear = box.querySelector("[data-lookup-clear]");
    var timer = null;
    function label(p) { return p.name + "（" + p.department + "，" + p.id_masked + "）"; }
    function show(items) {
      list.textContent = "";
      items.forEach(function (p) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "list-group-item list-group-item-action";
        b.textContent = label(p);
        b.setAttribute("data-person-id", p.id);
        b.addEventListener("click", function () {
          hidden.value = p.id;
          chosen.textContent = label(p);
          query.value = "";
          list.textContent = "";
          query.focus();
        });
        li.appendChild(b);
        list.appendChild(li);
      });
      list.setAttribute("aria-label", items.length ? items.length + "" : "0");
    }
    query.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      var q = query.value.trim();
      if (q.length < 2) { list.textContent = ""; return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (body) { show(body.items || []); })
          .catch(function () { show([]); });
      }, 250);
    });
    if (clear) {
      clear.addEventListener("click", function () { hidden.value = ""; chosen.textContent = chosen.getAttribute("data-none"); });
    }
  });
})();
