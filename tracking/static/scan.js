/* The scan page: each Enter sends one scan to POST /api/v1/scans and answers at once with a
   coloured line, a beep and a row in the session's list. Without this file the form still
   posts to /scan and gets the same answer from the server. No library, nothing fetched from
   elsewhere. */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch) return;
  var msgs = JSON.parse(document.getElementById("scan-messages").textContent);
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = tokenMeta ? tokenMeta.content : "";
  var api = form.dataset.api;
  var field = document.getElementById("item");
  var result = document.getElementById("result");
  var list = document.getElementById("scan-list");
  var counts = document.getElementById("counts");
  var empty = document.getElementById("empty-list");
  var reason = document.getElementById("reason");
  var reasonBox = document.getElementById("reason-box");
  var note = document.getElementById("note");
  var place = document.getElementById("location");
  var placeSummary = document.getElementById("place-summary");
  placeSummary.dataset.none = placeSummary.textContent;
  var S10 = /^[A-Z]{2}\d{9}[A-Z]{2}$/;
  var STORE = "scan-session:" + form.dataset.user;  // this tab, this user
  var queue = Promise.resolve();
  var position = null;
  var tally = { ok: 0, warn: 0, err: 0 };

  function fmt(key, values) {
    return (msgs[key] || key).replace(/%\((\w+)\)s/g, function (_m, name) {
      return values && values[name] != null ? String(values[name]) : "";
    });
  }

  /* ── sound: WebAudio tones, no files ─────────────────────────────────────────────────── */
  var audio = null;
  function beep(kind) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      audio = audio || new Ctx();
      var tones = kind === "ok" ? [[1046, 0, 0.12]]
        : kind === "warn" ? [[740, 0, 0.1], [740, 0.16, 0.1]]
        : [[220, 0, 0.18], [175, 0.2, 0.3]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = kind === "err" ? "square" : "sine";
        osc.frequency.value = t[0];
        gain.gain.value = 0.15;
        osc.connect(gain);
        gain.connect(audio.destination);
        var start = audio.currentTime + t[1];
        osc.start(start);
        osc.stop(start + t[2]);
      });
    } catch (e) { /* no sound on this device: the colour and the text still say it */ }
  }

  /* ── what is chosen ──────────────────────────────────────────────────────────────────── */
  function chosen() {
    var r = form.querySelector('input[name="event"]:checked');
    return r ? { code: r.value, label: r.dataset.label } : null;
  }
  function syncReason() {
    var c = chosen();
    reasonBox.classList.toggle("show", !!c && c.code === "delivery_failed");
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "event") syncReason();
    if (e.target === place) {
      localStorage.setItem("scan-place", place.value);
      placeSummary.textContent = place.value.trim() || placeSummary.dataset.none;
    }
  });
  /* A click on a choice puts the cursor back in the scan field; arrow keys stay in the group. */
  form.addEventListener("click", function (e) {
    if (e.detail > 0 && e.target.name === "event") setTimeout(function () { field.focus(); }, 0);
  });
  if (!place.value && localStorage.getItem("scan-place")) {
    place.value = localStorage.getItem("scan-place");
    placeSummary.textContent = place.value;
    document.getElementById("place-box").open = false;
  }

  /* ── keep the field focused (a scanner types wherever the focus is) ──────────────────── */
  document.addEventListener("focusout", function () {
    setTimeout(function () {
      var a = document.activeElement;
      if (!a || a === document.body || a === document.documentElement) field.focus();
    }, 0);
  });

  /* ── the answer ──────────────────────────────────────────────────────────────────────── */
  var ICONS = { ok: "✓", warn: "!", err: "✗" };
  function row(entry) {
    var li = document.createElement("li");
    li.className = entry.kind;
    var icon = document.createElement("span");
    icon.className = "icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = ICONS[entry.kind];
    var one = document.createElement("span");
    one.className = "line1";
    one.textContent = entry.text;
    var two = document.createElement("span");
    two.className = "line2";
    var bits = [entry.at];
    if (entry.dossier) bits.push(msgs.dossier + " " + entry.dossier);
    if (entry.commune) bits.push(entry.commune);
    two.textContent = bits.filter(Boolean).join(" · ");
    li.appendChild(icon); li.appendChild(one); li.appendChild(two);
    return li;
  }
  function showCounts() {
    var total = tally.ok + tally.warn + tally.err;
    counts.textContent = total ? "(" + total + ": ✓ " + tally.ok + " · ! " + tally.warn + " · ✗ " + tally.err + ")" : "";
  }
  function show(entry, remember) {
    result.className = "result " + entry.kind;
    result.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = ICONS[entry.kind] + " " + entry.text;
    result.appendChild(strong);
    if (entry.dossier) {
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = msgs.dossier + " " + entry.dossier + (entry.commune ? " · " + msgs.commune + ": " + entry.commune : "");
      result.appendChild(meta);
    }
    list.insertBefore(row(entry), list.firstChild);
    if (empty) empty.hidden = true;
    tally[entry.kind] += 1;
    showCounts();
    if (remember !== false) {
      var saved = JSON.parse(sessionStorage.getItem(STORE) || "[]");
      saved.push(entry);
      sessionStorage.setItem(STORE, JSON.stringify(saved.slice(-300)));
      beep(entry.kind);
    }
  }
  var saved = JSON.parse(sessionStorage.getItem(STORE) || "[]");
  if (saved.length) {
    list.textContent = "";
    saved.forEach(function (e) { list.insertBefore(row(e), list.firstChild); tally[e.kind] += 1; });
    if (empty) empty.hidden = true;
    showCounts();
  }

  function clock(iso) {
    if (iso && iso.length >= 16) return iso.slice(11, 16);
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* ── one scan ────────────────────────────────────────────────────────────────────────── */
  function itemOf(typed) {
    var fromUrl = /\/track\/([A-Za-z]{2}\d{9}[A-Za-z]{2})\b/.exec(typed);
    return (fromUrl ? fromUrl[1] : typed).replace(/\s+/g, "").toUpperCase();
  }
  function send(typed) {
    var ev = chosen();
    var item = itemOf(typed);
    var base = { item: item, at: clock(), event: ev ? ev.label : "" };
    if (!S10.test(item)) return Promise.resolve(Object.assign(base, { kind: "err", text: fmt("invalid_item", { item: typed }) }));
    if (ev.code === "delivery_failed" && !reason.value) {
      reason.focus();
      return Promise.resolve(Object.assign(base, { kind: "err", text: fmt("reason_needed") }));
    }
    var body = { item_id: item, event: ev.code };
    if (place.value.trim()) body.location = place.value.trim();
    if (ev.code === "delivery_failed") {
      var why = reason.options[reason.selectedIndex];
      var words = reason.value === "other" ? "" : why.dataset.note || why.textContent;
      body.note = [words, note.value.trim()].filter(Boolean).join(" – ") || undefined;
    }
    if (position) { body.lat = position.lat; body.lon = position.lon; }
    return fetch(api, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return answer(resp.status, data, base); });
    }, function () {
      return Object.assign(base, { kind: "err", text: fmt("network") });
    });
  }
  function answer(code, data, base) {
    var item = base.item;
    if (code === 200 || code === 201) {
      base.at = clock(data.occurred_at);
      if (data.dossier) { base.dossier = data.dossier.code; base.commune = data.dossier.commune; }
      if (data.duplicate) return Object.assign(base, { kind: "warn", text: fmt("duplicate", { item: item }) });
      if (data.flagged) return Object.assign(base, { kind: "warn", text: fmt("flagged", { item: item }) });
      return Object.assign(base, { kind: "ok", text: fmt("ok", { item: item, event: base.event }) });
    }
    var err = (data && data.error) || {};
    var text;
    if (code === 404) text = fmt("unknown", { item: item });
    else if (code === 422) text = fmt("wrong_direction", { item: item, event: base.event });
    else if (code === 403) text = fmt("forbidden", { event: base.event });
    else if (code === 401) text = fmt("login");
    else if (code === 400 && err.field === "item_id") text = fmt("invalid_item", { item: item });
    else text = fmt("error", { status: code });
    return Object.assign(base, { kind: "err", text: text });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var typed = field.value.trim();
    field.value = "";
    field.focus();
    if (!typed) return;
    queue = queue.then(function () { return send(typed); }).then(show);
  });
  syncReason();

  /* ── location, when the worker allows it ─────────────────────────────────────────────── */
  var geoBox = document.getElementById("geo");
  var geoRow = document.getElementById("geo-row");
  var geoStatus = document.getElementById("geo-status");
  var watch = null;
  function geo() {
    if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; }
    position = null;
    geoStatus.textContent = "";
    localStorage.setItem("scan-geo", geoBox.checked ? "1" : "0");
    if (!geoBox.checked) return;
    watch = navigator.geolocation.watchPosition(function (p) {
      position = { lat: +p.coords.latitude.toFixed(6), lon: +p.coords.longitude.toFixed(6) };
      geoStatus.textContent = msgs.location_on;
    }, function () {
      position = null;
      geoStatus.textContent = msgs.location_off;
    }, { enableHighAccuracy: true, maximumAge: 60000, timeout: 20000 });
  }
  if (navigator.geolocation) {
    geoRow.hidden = false;
    geoBox.checked = localStorage.getItem("scan-geo") !== "0";
    geoBox.addEventListener("change", geo);
    geo();
  }

  /* ── the phone's camera, where the browser can read barcodes ─────────────────────────── */
  var camera = document.getElementById("camera");
  var video = document.getElementById("camera-view");
  var stream = null, timer = null, last = { code: "", at: 0 };
  function stopCamera() {
    if (timer) clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true;
    camera.setAttribute("aria-pressed", "false");
  }
  function startCamera() {
    var detector = new window.BarcodeDetector({ formats: ["code_128", "qr_code"] });
    video.hidden = false;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      camera.setAttribute("aria-pressed", "true");
      return video.play();
    }).then(function () {
      timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) return;
          var value = codes[0].rawValue;
          var now = Date.now();
          if (value === last.code && now - last.at < 3000) return;
          last = { code: value, at: now };
          queue = queue.then(function () { return send(value); }).then(show);
        }).catch(function () {});
      }, 250);
    }).catch(function () {
      stopCamera();
      show({ kind: "err", text: msgs.camera_off, at: clock() }, false);
    });
  }
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("code_128") < 0 && formats.indexOf("qr_code") < 0) return;
      camera.hidden = false;
      camera.addEventListener("click", function () { if (stream) stopCamera(); else startCamera(); field.focus(); });
    }).catch(function () { /* no camera scanning here: the field and a scanner still work */ });
  }
})();
