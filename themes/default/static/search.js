/* appraise search: finds pages in the site's own index (search/index.json,
   a manifest of shards written at build time with their words already
   normalised), in the browser, with no network beyond the site: on the
   search page, and as suggestions under the header's box on every other
   page. No dependencies. */
(function () {
  "use strict";

  /* The query as the index stores words: accents folded, lowercase, every
     other run of characters one space. */
  function norm(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }

  /* The words searched besides the keys: the summary's (the index leaves
     them out of `text`), then `text`. Worked out once per entry. */
  function rest(e) {
    if (e.rest === undefined) e.rest = " " + norm(e.summary) + " " + e.text;
    return e.rest;
  }

  /* The entries every query word starts a word of, best first: the trial
     whose acronym is the query, then by score (a word found in the title,
     acronym or registry ids counts 2, elsewhere 1); ties keep the index's
     order. */
  function search(entries, query) {
    var q = norm(query), words = q.split(" ").filter(Boolean);
    if (!words.length) return [];
    var hits = [];
    entries.forEach(function (e, i) {
      var keys = " " + e.keys, text = rest(e);
      var score = e.acronym && norm(e.acronym) === q ? 100 : 0;
      for (var w = 0; w < words.length; w++) {
        if (keys.indexOf(" " + words[w]) >= 0) score += 2;
        else if (text.indexOf(" " + words[w]) >= 0) score += 1;
        else return;
      }
      hits.push({ entry: e, score: score, order: i });
    });
    hits.sort(function (a, b) { return b.score - a.score || a.order - b.order; });
    return hits.map(function (h) { return h.entry; });
  }

  var KINDS = { trial: "Trial", appraisal: "Appraisal", topic: "Topic" };

  /* One result: a link titled with the page's title, its kind, its summary. */
  function item(e) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = e.url;
    a.textContent = e.title;
    var kind = document.createElement("span");
    kind.className = "search-kind kind-" + e.kind;
    kind.textContent = KINDS[e.kind] || e.kind;
    var p = document.createElement("p");
    p.textContent = e.summary;
    li.append(kind, " ", a, p);
    return li;
  }

  function show(box, list, status, entries) {
    var q = box.value, found = search(entries, q);
    list.replaceChildren.apply(list, found.map(item));
    status.textContent = norm(q) === "" ? "Type a trial, drug, condition or registry id."
      : found.length === 0 ? "No page matches \u201c" + q + "\u201d."
      : found.length + (found.length === 1 ? " page matches" : " pages match") + " \u201c" + q + "\u201d.";
  }

  function json(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  /* Every entry of the index whose manifest is at `url`: its shards,
     fetched together, in the manifest's order. */
  function load(url) {
    return json(url).then(function (m) {
      return Promise.all((m.shards || []).map(json));
    }).then(function (shards) {
      return [].concat.apply([], shards.map(function (s) { return s.entries || []; }));
    });
  }

  /* The search page: results as you type, the query kept in the address. */
  function start() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var box = document.getElementById("search-q");
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var q = new URLSearchParams(location.search).get("q");
    if (q) box.value = q;
    status.textContent = "Loading the index\u2026";
    load(form.getAttribute("data-index")).then(function (entries) {
      var update = function () {
        show(box, list, status, entries);
        var u = new URL(location.href);
        if (box.value) u.searchParams.set("q", box.value); else u.searchParams.delete("q");
        history.replaceState(null, "", u);
      };
      box.addEventListener("input", update);
      form.addEventListener("submit", function (ev) { ev.preventDefault(); update(); });
      show(box, list, status, entries);
    }).catch(function () {
      status.textContent = "The search index could not be loaded.";
    });
  }

  /* The header's box on every other page: the first results under it as
     the reader types, the index fetched on the first keystroke. Arrow
     down moves into the results, arrows move between them, Escape closes
     them and goes back to the box; Enter in the box opens the search page. */
  var SHOWN = 6;
  function header() {
    var form = document.querySelector("form.site-search[data-index]");
    var box = document.getElementById("site-q");
    var panel = document.getElementById("site-suggest");
    if (!form || !box || !panel) return;
    var list = document.getElementById("site-suggest-list");
    var status = document.getElementById("site-suggest-status");
    var entries = null, loading = null;
    function close() { panel.hidden = true; }
    function update() {
      var q = box.value;
      if (norm(q) === "") { close(); return; }
      panel.hidden = false;
      if (!entries) {
        status.textContent = "Loading the index\u2026";
        loading = loading || load(form.getAttribute("data-index")).then(function (e) {
          entries = e;
          update();
        }).catch(function () {
          status.textContent = "The search index could not be loaded.";
        });
        return;
      }
      var found = search(entries, q);
      list.replaceChildren.apply(list, found.slice(0, SHOWN).map(function (e) {
        var li = item(e);
        li.removeChild(li.querySelector("p"));
        return li;
      }));
      status.textContent = found.length === 0 ? "No page matches \u201c" + q + "\u201d."
        : found.length > SHOWN ? "The first " + SHOWN + " of " + found.length + " pages; press Enter for all."
        : found.length + (found.length === 1 ? " page matches." : " pages match.");
    }
    function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
    box.addEventListener("input", update);
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" && links().length) { ev.preventDefault(); links()[0].focus(); }
      else if (ev.key === "Escape") close();
    });
    list.addEventListener("keydown", function (ev) {
      var all = links(), i = all.indexOf(document.activeElement);
      if (ev.key === "ArrowDown" && i < all.length - 1) { ev.preventDefault(); all[i + 1].focus(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); (i > 0 ? all[i - 1] : box).focus(); }
      else if (ev.key === "Escape") { box.focus(); close(); }
    });
    form.addEventListener("focusout", function (ev) {
      if (!form.contains(ev.relatedTarget)) close();
    });
    box.addEventListener("focus", function () { if (norm(box.value) !== "") update(); });
  }

  function boot() { start(); header(); }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { norm: norm, search: search };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
