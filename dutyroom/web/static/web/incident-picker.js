/* Incident picker: every form field that takes an incident number (marked data-incident-picker) gains a search
   box above it. Typing a title, a place or words of a report lists the matching incidents the person may read
   (GET /incidents/pick.json); with nothing typed, the latest ones. Choosing one fills the number field, which
   stays as it was, so the form still works without scripts and a number can still be typed. */
(function () {
  "use strict";
  var body = document.body;
  function t(name, fallback) { return (body && body.getAttribute("data-t-" + name)) || fallback; }

  function setup(field, index) {
    var source = field.getAttribute("data-source") || "/incidents/pick.json";
    var box = document.createElement("div");
    box.className = "picker";
    var search = document.createElement("input");
    search.type = "search";
    search.className = "picker-search";
    search.autocomplete = "off";
    search.placeholder = t("pick-placeholder", "输入标题、地点或编号查找事件");
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.id = "picker-list-" + index;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    search.setAttribute("aria-controls", list.id);
    var chosen = document.createElement("p");
    chosen.className = "picker-chosen";
    chosen.setAttribute("aria-live", "polite");
    box.appendChild(search);
    box.appendChild(list);
    field.parentNode.insertBefore(box, field);
    field.parentNode.insertBefore(chosen, field.nextSibling);

    var results = [], active = -1, timer = null, asked = 0;

    function close() { list.hidden = true; search.setAttribute("aria-expanded", "false"); active = -1; }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        if (i === active) { li.scrollIntoView({block: "nearest"}); }
      });
    }
    function choose(item) {
      field.value = String(item.id);
      field.dispatchEvent(new Event("change", {bubbles: true}));
      chosen.textContent = t("pick-chosen", "已选择：") + item.label + " · " + item.detail;
      search.value = "";
      close();
    }
    function show(items) {
      results = items;
      list.textContent = "";
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "picker-none";
        none.textContent = t("pick-none", "没有找到符合的事件");
        list.appendChild(none);
      }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        li.setAttribute("data-id", String(item.id));
        var title = document.createElement("span");
        title.textContent = item.label;
        var detail = document.createElement("span");
        detail.className = "picker-detail";
        detail.textContent = item.detail;
        li.appendChild(title);
        li.appendChild(detail);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        list.appendChild(li);
      });
      active = -1;
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
    }
    function ask(text, then) {
      var mine = ++asked;
      fetch(source + "?q=" + encodeURIComponent(text), {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) { if (mine === asked) { then(data.results || []); } })
        .catch(function () {});
    }
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { ask(search.value.trim(), show); }, 200);
    });
    search.addEventListener("focus", function () { ask(search.value.trim(), show); });
    search.addEventListener("blur", function () { setTimeout(close, 150); });
    search.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!results.length) { return; }
        active = event.key === "ArrowDown" ? (active + 1) % results.length : (active - 1 + results.length) % results.length;
        search.setAttribute("aria-activedescendant", list.id + "-" + active);
        mark();
      } else if (event.key === "Enter") {
        event.preventDefault();  // Enter picks; it never submits a half-filled form
        if (results.length) { choose(results[active >= 0 ? active : 0]); }
      } else if (event.key === "Escape") {
        close();
      }
    });
    if (field.value && /^\d+$/.test(field.value.trim())) {  // a number given already (a link, a refused form)
      var wanted = field.value.trim();
      ask("#" + wanted, function (items) {
        items.forEach(function (item) {
          if (String(item.id) === wanted) {
            chosen.textContent = t("pick-chosen", "已选择：") + item.label + " · " + item.detail;
          }
        });
      });
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-incident-picker]"), setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
