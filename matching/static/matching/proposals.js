// The proposals page: the county filter submits itself when changed, and "select
// all" ticks every proposal on the page. (Kept out of the HTML: the
// Content-Security-Policy allows no inline script or event handler.)
(function () {
  "use strict";
  document.querySelectorAll("[data-submit-on-change]").forEach(function (field) {
    field.addEventListener("change", function () {
      field.form.submit();
    });
  });
  document.querySelectorAll("[data-select-all]").forEach(function (master) {
    master.addEventListener("change", function () {
      var name = master.getAttribute("data-select-all");
      document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
        box.checked = master.checked;
      });
    });
  });
})();
