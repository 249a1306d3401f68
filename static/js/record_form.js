/* Record form (登记失信记录): the 处分或处理 list follows the chosen 类别, the 判决类型 and 察看期
   fields show only where they apply, and the computed 影响期至 (with the end of a running
   sanction chain, docs/rules.md §4.4) is shown live from GET .../records/preview.
   No inline script (CSP): this file is loaded by templates/archive/file/record_form.html. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-record-form]");
  if (!form) { return; }
  var el = function (name) { return form.querySelector("[name='" + name + "']"); };
  var category = el("category"), sanction = el("sanction"), severity = el("severity");
  var decided = el("decided_on"), probation = el("probation_months"), judgment = el("judgment_kind");
  var box = form.querySelector("[data-record-preview]");
  var url = form.getAttribute("data-preview-url");
  var timer = null;

  function wrapper(field) { return field ? (field.closest(".col-md-4") || field.parentNode) : null; }
  function show(field, visible) {
    var w = wrapper(field);
    if (w) { w.hidden = !visible; }
    if (field && !visible) { field.value = ""; }
  }
  function filterSanctions(allowed) {
    var values = allowed.map(function (s) { return s.value; });
    var first = null;
    Array.prototype.forEach.call(sanction.options, function (opt) {
      var ok = values.indexOf(opt.value) !== -1;
      opt.hidden = !ok; opt.disabled = !ok;
      if (ok && first === null) { first = opt.value; }
    });
    if (values.indexOf(sanction.value) === -1 && first !== null) { sanction.value = first; }
  }
  function text(data) {
    if (data.problems && data.problems.length) { return data.problems.join("；"); }
    if (data.permanent) { return "影响期：永久（" + data.citation + "）"; }
    if (!data.restricted_until) { return "该处分或处理不设影响期，或须由人事干部填写影响期截止日期（" + data.citation + "）"; }
    var out = "按规定影响期至 " + data.restricted_until + "（" + data.period + "，" + data.citation + "）";
    if (data.chained) {
      out += "；该人员有尚未届满的政务处分，按处分期合并计算（尚未执行的期限与新处分期限之和，最长48个月），"
        + "整条处分链至 " + data.restricts_until + " 解除";
    }
    return out;
  }
  function refresh() {
    show(judgment, category.value === "judicial");
    show(probation, sanction.value === "party_probation");
    var params = new URLSearchParams({
      category: category.value, sanction: sanction.value, severity: severity.value,
      decided_on: decided ? decided.value : "", probation_months: probation ? probation.value : ""
    });
    fetch(url + "?" + params.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (data.sanctions && data.sanctions.length) {
          filterSanctions(data.sanctions);
          show(probation, sanction.value === "party_probation");
        }
        box.textContent = text(data);
        box.hidden = false;
      })
      .catch(function () { box.hidden = true; });
  }
  function later() { window.clearTimeout(timer); timer = window.setTimeout(refresh, 150); }
  [category, sanction, severity, decided, probation].forEach(function (f) {
    if (f) { f.addEventListener("change", later); f.addEventListener("input", later); }
  });
  category.addEventListener("change", function () { sanction.value = ""; });
  refresh();
}());
