/* Registering a dossier: the expected dates appear while typing, from POST /api/v1/estimate
   (the login's CSRF token in X-CSRFToken). Without this file the "Show the expected dates"
   button asks the server for the same estimate. */
(function () {
  "use strict";
  var form = document.getElementById("dossier-form");
  var box = document.getElementById("dossier-messages");
  if (!form || !box || !window.fetch) return;
  var msgs = JSON.parse(box.textContent);
  var target = document.getElementById("estimate-body");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var lang = document.documentElement.lang || "vi";
  var timer = null, asked = 0;
  var parts = new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", weekday: "long", day: lang === "vi" ? "2-digit" : "numeric",
    month: lang === "vi" ? "2-digit" : "long", year: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23"
  });
  /* The same reading as the server's: "17:00, Thứ Năm 03/12/2026" / "17:00, Thursday 3 December 2026". */
  var when = {
    format: function (date) {
      var p = {};
      parts.formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
      var weekday = p.weekday.charAt(0).toUpperCase() + p.weekday.slice(1);
      var day = lang === "vi" ? p.day + "/" + p.month + "/" + p.year : p.day + " " + p.month + " " + p.year;
      return p.hour + ":" + p.minute + ", " + weekday + " " + day;
    }
  };
  var number = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB");

  function fmt(key, values) {
    return (msgs[key] || "").replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] == null ? "" : values[k]; });
  }
  function value(name) {
    var el = form.elements[name];
    return el ? String(el.value || "").trim() : "";
  }
  function body() {
    var b = { service: value("service"), address: value("applicant_address") };
    if (!b.service || b.address.length < 3) return null;
    if (value("procedure_code")) b.procedure_code = value("procedure_code");
    else if (value("processing_days")) {
      var days = Number(value("processing_days").replace(",", "."));
      if (!isFinite(days)) return null;
      b.processing_days = days;
    } else return null;
    if (value("courier")) b.courier = value("courier");
    if (value("submitted_at")) b.submitted_at = value("submitted_at");
    return b;
  }
  function pair(dl, term, text) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term; dd.textContent = text;
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function show(e) {
    var dl = document.createElement("dl");
    dl.className = "facts";
    pair(dl, msgs.commune, e.commune.name + " · " + fmt("km", { km: number.format(e.distance_km) }));
    if (e.inbound) pair(dl, msgs.at_center, when.format(new Date(e.inbound.expected_at_center)));
    pair(dl, msgs.due, when.format(new Date(e.due_at)));
    if (e.delivered_by) pair(dl, msgs.delivered_by, when.format(new Date(e.delivered_by)));
    pair(dl, msgs.direct, when.format(new Date(e.direct_due_at)));
    pair(dl, msgs.adds, fmt("days", { days: number.format(e.postal_adds_working_days) }));
    target.textContent = "";
    target.appendChild(dl);
  }
  function say(text) {
    target.textContent = "";
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    target.appendChild(p);
  }
  function ask() {
    var b = body();
    if (!b) return;
    var mine = ++asked;
    say(msgs.waiting);
    fetch(form.dataset.api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": tokenMeta ? tokenMeta.content : "" },
      body: JSON.stringify(b)
    }).then(function (r) {
      return r.json().then(function (data) { return { status: r.status, data: data }; });
    }).then(function (res) {
      if (mine !== asked) return;
      if (res.status === 200) return show(res.data);
      var code = (res.data.error || {}).code;
      var why = code === "outside_province" ? msgs.outside
        : (code === "address_not_placed" || code === "not_estimable") ? msgs.address : msgs.other;
      say(fmt("cannot", { why: why }));
    }).catch(function () { /* keep the last answer; the button still works */ });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 500);
  }
  form.addEventListener("input", function (e) {
    if (e.target.getAttribute("aria-invalid") === "true") {
      e.target.removeAttribute("aria-invalid");
      var error = document.getElementById(e.target.id + "-error");
      if (error) error.hidden = true;
    }
    later();
  });
  form.addEventListener("change", later);
  if (!target.querySelector("dl")) later();
})();
