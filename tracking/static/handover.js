/* Handover pages: a scan (or typed number + Enter) ticks the envelope in the list, or notes it
   as not listed; on a record being confirmed it adds the envelope to the scanned list and says
   whether it is on the record. The forms work the same without this file. */
(function () {
  "use strict";
  var box = document.getElementById("handover-messages");
  if (!box) return;
  var msgs = JSON.parse(box.textContent);
  var S10 = /^[A-Z]{2}\d{9}[A-Z]{2}$/;

  function fmt(key, values) {
    return (msgs[key] || "").replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] == null ? "" : values[k]; });
  }
  function token(raw) {
    var fromUrl = /\/track\/([^/?#\s]+)/.exec(raw);
    var t = decodeURIComponent(fromUrl ? fromUrl[1] : raw).trim();
    var compact = t.replace(/\s+/g, "").toUpperCase();
    return S10.test(compact) ? compact : t;
  }
  var audio = null;
  function beep(ok) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      audio = audio || new Ctx();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = ok ? "sine" : "square";
      osc.frequency.value = ok ? 1046 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.12 : 0.35));
    } catch (e) { /* no sound here */ }
  }
  function say(el, kind, text) {
    el.textContent = text;
    el.className = "hint batch-answer " + (kind === "ok" ? "state-matched" : "state-unexpected");
    beep(kind === "ok");
  }

  /* ── building a batch: tick by scanning ─────────────────────────────────────────────── */
  Array.prototype.forEach.call(document.querySelectorAll("form.batch"), function (form) {
    var scan = form.querySelector(".batch-scan");
    var answer = form.querySelector(".batch-answer");
    var extra = form.querySelector(".batch-extra");
    var count = form.querySelector(".batch-count");
    var boxes = form.querySelectorAll('input[name="selected"]');
    function recount() {
      var n = 0;
      Array.prototype.forEach.call(boxes, function (b) {
        if (b.checked) n += 1;
        b.closest("li").classList.toggle("picked", b.checked);
      });
      var more = extra.value.split(/\s+/).filter(Boolean).length;
      count.textContent = n + more ? "(" + fmt("selected", { n: n + more }) + ")" : "";
    }
    form.addEventListener("change", recount);
    extra.addEventListener("input", recount);
    scan.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var t = token(scan.value);
      scan.value = "";
      if (!t) return;
      var hit = Array.prototype.find.call(boxes, function (b) {
        return b.dataset.codes.split(" ").indexOf(t) >= 0;
      });
      if (hit) {
        var li = hit.closest("li");
        say(answer, "ok", fmt(hit.checked ? "again" : "ticked", { item: t }));
        hit.checked = true;
        li.classList.remove("just"); void li.offsetWidth; li.classList.add("just");
      } else {
        var lines = extra.value.split(/\s+/).filter(Boolean);
        if (lines.indexOf(t) < 0) lines.push(t);
        extra.value = lines.join("\n");
        extra.closest("details").open = true;
        say(answer, "warn", fmt("not_listed", { item: t }));
      }
      recount();
    });
    recount();
  });

  /* ── confirming a record: the scanned list ──────────────────────────────────────────── */
  var confirm = document.getElementById("confirm-form");
  if (!confirm) return;
  var scan = document.getElementById("confirm-scan");
  var answer = document.getElementById("confirm-answer");
  var scanned = document.getElementById("scanned");
  var seenCount = document.getElementById("seen-count");
  var rows = document.querySelectorAll("#expected li");
  function lines() { return scanned.value.split(/\s+/).filter(Boolean).map(token); }
  function mark() {
    var got = lines(), seen = 0;
    Array.prototype.forEach.call(rows, function (li) {
      var on = got.indexOf(li.dataset.item) >= 0 || (li.dataset.dossier && got.indexOf(li.dataset.dossier) >= 0);
      li.classList.toggle("picked", on);
      if (on) seen += 1;
    });
    seenCount.textContent = "(" + fmt("seen", { seen: seen, total: rows.length }) + ")";
  }
  scanned.addEventListener("input", mark);
  scan.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    var t = token(scan.value);
    scan.value = "";
    if (!t) return;
    var got = lines();
    var listed = Array.prototype.some.call(rows, function (li) { return li.dataset.item === t || li.dataset.dossier === t; });
    if (got.indexOf(t) >= 0) say(answer, "warn", fmt("again", { item: t }));
    else {
      got.push(t);
      scanned.value = got.join("\n");
      say(answer, listed ? "ok" : "warn", fmt(listed ? "in_list" : "not_in_list", { item: t }));
    }
    mark();
  });
  mark();
})();
