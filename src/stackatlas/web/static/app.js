/* stackatlas: progressive enhancement only; every page works without it.
   Charts: Vega-Lite specs from <script type="application/json"> blocks, rendered with vega-embed in
   the CSP-safe interpreter mode (no eval). */
(function () {
  "use strict";

  function renderCharts() {
    if (!window.vegaEmbed) return;
    var opts = {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      defaultStyle: false,
      forceActionsMenu: true,
      tooltip: { theme: "light", disableDefaultStyle: true },
      ast: true,
      expr: window.vegaInterpreter ? window.vegaInterpreter.expressionInterpreter : undefined,
      loader: { target: "_self", http: { credentials: "same-origin" } }
    };
    document.querySelectorAll("div.vega[data-spec]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-spec"));
      if (!src) return;
      var spec;
      try { spec = JSON.parse(src.textContent); } catch (e) { return; }
      window.vegaEmbed(el, spec, opts).then(function () {
        el.classList.add("rendered");
      }).catch(function (err) {
        el.classList.add("failed");
        el.textContent = String(err && err.message || err);
      });
    });
  }

  function copyLinks() {
    document.querySelectorAll("[data-copy-link]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var url = window.location.href;
        var done = function () {
          var old = btn.textContent;
          btn.textContent = btn.getAttribute("data-done") || "Copied";
          btn.setAttribute("data-copied", url);
          setTimeout(function () { btn.textContent = old; }, 1500);
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(url).then(done, function () { fallback(url); done(); });
        } else { fallback(url); done(); }
      });
    });
  }

  function fallback(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(ta);
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var form = sel.form;
        if (!form) return;
        /* a changed filter starts at the first page; empty fields stay out of the URL */
        form.querySelectorAll("input[name=offset]").forEach(function (i) { i.remove(); });
        Array.prototype.forEach.call(form.elements, function (f) {
          if (f.name && !f.value) f.disabled = true;
        });
        form.submit();
      });
    });
    document.querySelectorAll("form.facets").forEach(function (form) {
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(form.elements, function (f) {
          if (f.name && !f.value) f.disabled = true;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyLinks();
    autosubmit();
    renderCharts();
  });
})();
