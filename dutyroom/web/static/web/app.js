/* DutyRoom web UI: live countdowns, the self-refreshing board and small form helpers.
 *
 * Countdowns run on the SERVER's clock: the page carries the server time it was rendered at
 * (body[data-server-now]) and every board.json poll carries it again, so a phone whose clock is
 * minutes off still shows the statutory deadline correctly. Plain JS, no build step; htmx, when
 * present, is only an enhancement (see templatetags/dutyroom_web.py htmx_script).
 */
(function () {
  "use strict";

  var SOON_MS = 5 * 60 * 1000; // amber: due within 5 minutes (views/present.py SOON)
  var FAR_MS = 2 * 3600 * 1000; // smaller: more than 2 hours to go (views/present.py FAR)
  var POLL_MS = 1000; // a conditional poll (ETag/304) each second keeps the board within 2 s of any change
  var offset = 0; // server clock minus this device's clock, in ms
  var body = document.body;
  var t = {
    overdue: body.dataset.tOverdue || "已超时",
    live: body.dataset.tLive || "实时更新",
    offline: body.dataset.tOffline || "连接中断，正在重试…",
    expired: body.dataset.tExpired || "登录已过期，请重新登录",
  };

  function initialOffset() {
    var serverNow = Number(body.dataset.serverNow);
    if (!serverNow) return 0;
    var nav = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var received = nav && nav.responseStart ? performance.timeOrigin + nav.responseStart : Date.now();
    return serverNow - received;
  }

  function serverNow() {
    return Date.now() + offset;
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // Same format as templatetags/dutyroom_web.py clock_text: mm:ss below an hour, h:mm:ss above.
  function clockText(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
  }

  function tick() {
    var now = serverNow();
    var nodes = document.querySelectorAll(".countdown[data-due]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var clock = el.closest(".clock");
      var state = clock ? clock.dataset.state : "pending";
      if (state !== "pending" && state !== "overdue") continue;
      var left = Number(el.dataset.due) - now;
      var text;
      if (left > 0) {
        text = clockText(Math.ceil(left / 1000));
        if (clock) {
          clock.classList.toggle("soon", left <= SOON_MS);
          clock.classList.toggle("far", left > FAR_MS);
        }
      } else {
        text = t.overdue + " +" + clockText(Math.floor(-left / 1000));
        if (clock && state !== "overdue") {
          clock.dataset.state = "overdue";
          clock.classList.remove("state-pending", "soon", "far");
          clock.classList.add("state-overdue", "just-overdue");
          var card = clock.closest(".card");
          if (card) card.classList.add("has-overdue");
          cue(t.overdue);
        }
      }
      if (el.textContent !== text) el.textContent = text;
    }
    // clocks that count up: how long something has waited (an upward report awaiting its 签发)
    var waits = document.querySelectorAll(".elapsed-clock[data-since]");
    for (var j = 0; j < waits.length; j++) {
      var since = clockText(Math.max(0, Math.floor((now - Number(waits[j].dataset.since)) / 1000)));
      if (waits[j].textContent !== since) waits[j].textContent = since;
    }
  }

  // ---- cues: a short sound and a browser notification for a new major/sensitive incident or a new overdue ----
  // The mute switch is the person's stored preference (body[data-sound], rendered by the server), so muting
  // on one browser mutes the next one too; the switch saves it with a POST (views/preferences.py).
  var audio = null;
  var soundOn = body.dataset.sound !== "0";
  function muted() {
    return !soundOn;
  }
  function cue(text) {
    if (muted()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio on this device */ }
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      try { new Notification("DutyRoom", { body: text }); } catch (e) { /* ignored */ }
    }
  }
  function csrfToken() {
    var own = document.querySelector(".topbar input[name=csrfmiddlewaretoken]");
    return own ? own.value : "";
  }
  function soundToggle() {
    var btn = document.getElementById("sound-toggle");
    if (!btn || !body.dataset.soundUrl) return;
    function show() {
      btn.textContent = muted() ? btn.dataset.off : btn.dataset.on;
      btn.setAttribute("aria-pressed", muted() ? "true" : "false");
    }
    btn.addEventListener("click", function () {
      var wanted = !soundOn;
      soundOn = wanted; // answer the click at once; the server's reply confirms or puts it back
      show();
      btn.disabled = true;
      if (wanted && window.Notification && Notification.permission === "default") Notification.requestPermission();
      fetch(body.dataset.soundUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body: "sound=" + (wanted ? "on" : "off"),
      })
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.json();
        })
        .then(function (data) {
          soundOn = !!data.sound;
          btn.dataset.saved = "1";
        })
        .catch(function () {
          soundOn = !wanted; // not saved: show what the server still holds
        })
        .then(function () {
          btn.disabled = false;
          body.dataset.sound = soundOn ? "1" : "0";
          show();
        });
    });
    show();
  }
  function alarming(root) {
    var ids = {};
    root.querySelectorAll(".card").forEach(function (card) {
      if (card.querySelector(".grade-I, .grade-II, .flag-sensitive, .flag-may_escalate, .flag-hotspot")) ids[card.id] = true;
    });
    return ids;
  }
  function updateBell(unread) {
    var count = document.getElementById("bell-count");
    var bell = document.getElementById("bell");
    if (!count || !bell) return;
    count.textContent = String(unread);
    bell.classList.toggle("has-unread", unread > 0);
  }

  // ---- the board: a conditional poll each second; the server-rendered fragment only when something changed ----
  function setLive(kind, at) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.className = "live live-" + kind;
    if (kind === "live") {
      // Shown in the city's time (Asia/Shanghai, UTC+8, no daylight saving), whatever the device's zone.
      var d = new Date(at + 8 * 3600 * 1000);
      el.textContent = t.live + " · " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    } else {
      el.textContent = kind === "expired" ? t.expired : t.offline;
    }
  }

  function startBoard() {
    var board = document.getElementById("board");
    if (!board || !board.dataset.version) return;
    var stopped = false;
    var busy = false;
    var etag = board.dataset.etag || null;
    var seen = alarming(board);

    function refresh(next) {
      var url = board.dataset.fragment + (next ? "&v=" + encodeURIComponent(next.replace(/"/g, "")) : "");
      return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (frag) {
        if (!frag.ok || frag.redirected) throw new Error("fragment " + frag.status);
        return frag.text().then(function (html) {
          var before = board.querySelectorAll(".clock.state-overdue").length;
          board.innerHTML = html;
          etag = next; // adopted only once the board shows it: a failed fetch is retried on the next poll
          var now = alarming(board);
          var fresh = Object.keys(now).some(function (id) { return !seen[id]; });
          seen = now;
          tick();
          if (fresh || board.querySelectorAll(".clock.state-overdue").length > before) cue(t.overdue);
          board.dispatchEvent(new CustomEvent("board:updated", { bubbles: true }));
        });
      });
    }

    function poll() {
      if (stopped || busy) return;
      busy = true;
      var t0 = Date.now();
      var headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(board.dataset.version, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (resp) {
          if (resp.status === 401) {
            stopped = true;
            setLive("expired");
            return null;
          }
          var serverMs = Number(resp.headers.get("X-Now-Ms"));
          if (serverMs) {
            offset = serverMs - (t0 + Date.now()) / 2;
            setLive("live", serverMs);
          }
          if (resp.status === 304) return null;
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          var next = resp.headers.get("ETag");
          return resp.json().then(function (data) {
            updateBell(data.unread);
            return refresh(next);
          });
        })
        .catch(function () {
          setLive("offline");
        })
        .then(function () {
          busy = false;
        });
    }

    setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) poll();
    });
  }

  // ---- forms ----
  function subtypeFilter(root) {
    var form = root.querySelector("[data-subtype-filter]");
    if (!form || form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    var category = form.querySelector("select[name=category]");
    var subtype = form.querySelector("select[name=subtype]");
    if (!category || !subtype) return;
    var groups = Array.prototype.slice.call(subtype.querySelectorAll("optgroup"));
    function apply() {
      var label = category.options[category.selectedIndex].text;
      var chosen = subtype.value;
      groups.forEach(function (g) {
        if (g.parentNode) g.parentNode.removeChild(g);
      });
      groups.forEach(function (g) {
        if (g.label === label) subtype.appendChild(g);
      });
      subtype.value = chosen;
      if (subtype.value !== chosen) subtype.value = "";
    }
    category.addEventListener("change", apply);
    apply();
  }

  function reportKind(root) {
    var form = root.querySelector("[data-report-form]");
    if (!form || form.dataset.enhanced) return;
    form.dataset.enhanced = "1";
    function apply() {
      var checked = form.querySelector("input[name=kind]:checked");
      var kind = checked ? checked.value : "";
      var calledAt = form.querySelector(".field-called_at");
      var channel = form.querySelector(".field-channel");
      if (calledAt) calledAt.hidden = kind !== "phone";
      if (channel) channel.hidden = kind === "phone";
      form.querySelectorAll("[data-kind-help]").forEach(function (p) {
        p.hidden = p.dataset.kindHelp !== kind;
      });
    }
    form.addEventListener("change", function (e) {
      if (e.target.name === "kind") apply();
    });
    apply();
  }

  function focusFirstError(root) {
    var bad = root.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (bad) {
      bad.focus({ preventScroll: true });
      bad.scrollIntoView({ block: "center" });
    }
  }

  // The board's fragment is rendered once for every viewer of its kind (views/live.py), so its forms carry
  // no token of this session: give each form the page's own CSRF token as it is submitted.
  document.addEventListener(
    "submit",
    function (e) {
      var own = document.querySelector(".topbar input[name=csrfmiddlewaretoken]");
      var field = e.target.querySelector && e.target.querySelector("input[name=csrfmiddlewaretoken]");
      if (own && field) field.value = own.value;
    },
    true
  );

  // Capture phase, so a "no" stops the submit before htmx (listening on the form itself) sees it.
  document.addEventListener(
    "submit",
    function (e) {
      var form = e.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        e.preventDefault();
        e.stopPropagation();
      }
    },
    true
  );

  function enhance(root) {
    subtypeFilter(root);
    reportKind(root);
    focusFirstError(root);
  }

  window.addEventListener("pageshow", function (e) {
    if (e.persisted) window.location.reload(); // a page from the back/forward cache has a stale server time
  });
  document.addEventListener("htmx:afterSettle", function () {
    enhance(document);
    tick();
  });

  offset = initialOffset();
  enhance(document);
  tick();
  setInterval(tick, 250);
  soundToggle();
  startBoard();
})();

// On a phone the navigation folds behind 菜单 (the header would otherwise take half the first screen), and
// the unit checkboxes of a 批示 can be narrowed by typing part of a unit's name.
(function () {
  "use strict";
  var toggle = document.getElementById("nav-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var bar = toggle.closest(".topbar");
      var open = bar.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.querySelectorAll(".unit-filter").forEach(function (box) {
    box.addEventListener("input", function () {
      var word = box.value.trim();
      box.closest(".unit-checks").querySelectorAll(".check").forEach(function (label) {
        label.hidden = word !== "" && label.textContent.indexOf(word) === -1;
      });
    });
  });
})();
