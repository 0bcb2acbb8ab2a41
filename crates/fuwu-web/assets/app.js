// Fuwu UI: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Tell the server the browser's time zone (times are shown in it).
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var m = document.cookie.match(/(?:^|; )fuwu_tz=([^;]*)/);
    if (tz && (!m || decodeURIComponent(m[1]) !== tz)) {
      document.cookie = "fuwu_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
      if (document.body && document.body.dataset.tz !== tz && !document.querySelector("form.dirty")) {
        location.reload();
      }
    }
  } catch (e) { /* keep the server's default */ }

  // htmx: send the session's CSRF token with every request it makes.
  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) ev.detail.headers["X-CSRF-Token"] = meta.content;
  });

  // The fault level follows impact × urgency (table from the server), live.
  function updateLevel(form) {
    var out = form.querySelector("[data-level-out]");
    var table = form.dataset.levels;
    if (!out || !table) return;
    var levels = JSON.parse(table);
    var i = form.querySelector('[name="impact"]');
    var u = form.querySelector('[name="urgency"]');
    var iv = i && (i.type === "radio" ? (form.querySelector('[name="impact"]:checked') || {}).value : i.value);
    var uv = u ? u.value : "medium";
    var lv = levels[iv + "/" + uv];
    if (lv === undefined) return;
    out.textContent = out.dataset["name" + lv] || lv;
    out.className = "level level-" + lv;
    form.querySelectorAll("[data-def]").forEach(function (el) {
      el.classList.toggle("current", el.dataset.def === String(lv));
    });
  }
  document.addEventListener("change", function (ev) {
    var f = ev.target.form;
    if (f && f.dataset.levels) updateLevel(f);
    if (f) f.classList.add("dirty");
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-levels]").forEach(updateLevel);
  });

  // Ctrl+Enter (or Cmd+Enter) submits the form the focus is in.
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      var f = ev.target.form || (ev.target.closest && ev.target.closest("form"));
      if (f) { ev.preventDefault(); f.requestSubmit ? f.requestSubmit() : f.submit(); }
    }
  });

  // Intake: picking a lookup result fills the form's hidden ids and labels.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-pick]");
    if (!b) return;
    ev.preventDefault();
    var f = b.form || document.getElementById("intake");
    var d = b.dataset;
    ["organization_id", "requester_contact_id"].forEach(function (k) {
      var el = f.querySelector('[name="' + k + '"]');
      if (el) el.value = d[k] || "";
    });
    var sys = f.querySelector('[name="system_id"]');
    if (sys) {
      sys.innerHTML = "";
      var none = document.createElement("option");
      none.value = ""; none.textContent = "—"; sys.appendChild(none);
      JSON.parse(d.systems || "[]").forEach(function (s) {
        var o = document.createElement("option");
        o.value = s[0]; o.textContent = s[1]; sys.appendChild(o);
      });
    }
    var chosen = f.querySelector("[data-chosen]");
    if (chosen) chosen.textContent = d.label || "";
    var next = f.querySelector('[name="title"]');
    if (next) next.focus();
  });

  // SLA clocks: count a round-the-clock clock's remaining time down between
  // the server's refreshes (every 30 s, by htmx); other calendars wait for it.
  function fmt(sec) {
    var neg = sec < 0, s = Math.abs(sec);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    var t = d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + (m < 10 ? "0" : "") + m + "m" : m + "m";
    return (neg ? "-" : "") + t;
  }
  var started = Date.now();
  document.addEventListener("htmx:afterSwap", function () { started = Date.now(); });
  setInterval(function () {
    var gone = Math.floor((Date.now() - started) / 1000);
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      el.textContent = fmt(parseInt(el.dataset.countdown, 10) - gone);
    });
  }, 1000);
})();
