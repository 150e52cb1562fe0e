// Lead form: keep a draft on the device so a dropped connection never loses what a grid worker typed.
// The draft (text fields only; photos cannot be kept in localStorage) is saved on every input, restored
// on load, and cleared only after the server answered with the new lead's page. Sending goes through fetch so a network
// failure leaves the page (and the draft) in place instead of showing the browser's error page.
(function () {
  "use strict";
  var form = document.getElementById("lead-form");
  if (!form) { return; }
  var key = form.dataset.draftKey;
  var status = document.getElementById("draft-status");
  var fields = ["title", "text", "area", "address", "occurred_at", "channel"];

  function say(text) { if (status) { status.textContent = text; } }
  function save() {
    var draft = {};
    fields.forEach(function (name) { if (form.elements[name]) { draft[name] = form.elements[name].value; } });
    try { localStorage.setItem(key, JSON.stringify(draft)); say(form.dataset.tSaved); } catch (e) { /* storage full or off */ }
  }
  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var draft = JSON.parse(raw);
    var restored = false;
    fields.forEach(function (name) {
      var el = form.elements[name];
      if (el && draft[name] && !el.value) { el.value = draft[name]; restored = true; }
    });
    if (restored) { say(form.dataset.tRestored); }
  }

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  // Phone photos are 2-5 MB: the server takes up to 5 MB each (MAX in data-max-photo-bytes); a bigger one is
  // named here, in the form's language, before anything is sent.
  function tooBig() {
    var input = form.elements.photos;
    var max = parseInt(form.dataset.maxPhotoBytes || "0", 10);
    if (!input || !input.files || !max) { return null; }
    for (var i = 0; i < input.files.length; i++) {
      if (input.files[i].size > max) { return input.files[i].name; }
    }
    return null;
  }
  // Only the lead's own page is success: a redirect to the login page (the session expired) is not, and the
  // draft must stay until the server has answered with the new lead.
  function isLeadPage(url) {
    try { return /^\/leads\/\d+\/$/.test(new URL(url, window.location.href).pathname); } catch (e) { return false; }
  }
  function isLogin(url) {
    try { return new URL(url, window.location.href).pathname.indexOf("/login/") === 0; } catch (e) { return false; }
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) { return; }  // old browsers post normally
    event.preventDefault();
    save();
    var big = tooBig();
    if (big) { say(form.dataset.tTooBig.replace("%s", big)); return; }
    say(form.dataset.tSending);
    fetch(form.action || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.ok && response.redirected && isLeadPage(response.url)) {
          try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
          window.location.assign(response.url);
          return null;
        }
        if (isLogin(response.url) || response.status === 401 || response.status === 403) {
          say(form.dataset.tExpired);
          return null;
        }
        if (response.status === 413) { say(form.dataset.tTooLarge); return null; }
        // 400: the server's form with its errors; 429: the same form with "too many leads, try again in N
        // minutes" above it. Either way the draft stays on the device and the fields come back as typed.
        if (response.status === 400 || response.status === 429) {
          return response.text().then(function (html) {
            document.open(); document.write(html); document.close();
          });
        }
        say(form.dataset.tFailed);
        return null;
      })
      .catch(function () { say(form.dataset.tOffline); });
  });
})();
