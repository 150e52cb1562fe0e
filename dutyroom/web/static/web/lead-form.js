// Lead form: keep a draft on the device so a dropped connection never loses what a grid worker typed.
// The draft (text fields only; photos cannot be kept in localStorage) is saved on every input, restored
// on load, and cleared only after the server accepted the lead. Sending goes through fetch so a network
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
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) { return; }  // old browsers post normally
    event.preventDefault();
    save();
    say(form.dataset.tSending);
    fetch(form.action || window.location.href, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected && response.ok) {
          try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {  // errors: show the server's form, keep the draft
          document.open(); document.write(html); document.close();
        });
      })
      .catch(function () { say(form.dataset.tOffline); });
  });
})();
