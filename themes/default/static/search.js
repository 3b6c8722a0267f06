/* appraise search: finds pages in the site's own index (search/index.json,
   a manifest of shards written at build time with their words already
   normalised), in the browser, with no network beyond the site: on the
   search page, and as suggestions under the header's box on every other
   page. The index is split by word: a query fetches the term shard of
   each of its words, then the entry shards of the results shown. No
   dependencies. */
(function () {
  "use strict";

  /* The query as the index stores words: accents folded, lowercase, every
     other run of characters one space. */
  function norm(s) {
    return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  }

  /* The term shard, of n, that holds a word: FNV-1a (32 bits) of its
     first two characters, as appraise computes it. */
  function termShard(word, n) {
    var h = 0x811c9dc5;
    for (var i = 0; i < Math.min(2, word.length); i++) {
      h ^= word.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h % Math.max(1, n);
  }

  /* The URLs of term shard k and entry shard k of the index whose
     manifest is `m`. */
  function termUrl(m, k) { return m.path + "terms-" + k + ".json"; }
  function docUrl(m, k) { return m.path + "docs-" + k + ".json"; }

  /* The index at `url`, read through `get` (url -> promise of JSON): each
     file fetched once, when a query first needs it (again after a failed
     fetch: the signal may be back). */
  function open(url, get) {
    var files = {};
    function file(u) {
      return files[u] || (files[u] = get(u).catch(function (e) { delete files[u]; throw e; }));
    }
    function start() { return file(url); }

    /* Entry id -> how well one query word matches each entry it is found
       in (0 elsewhere, 1 the title or a registry id, 2 begins a word of
       the acronym, 3 is a word of the acronym): a word of one character
       must be a whole word, a longer one begins a word. */
    function found(m, word) {
      var u = termUrl(m, termShard(word, m.terms));
      return file(u).then(function (shard) {
        var hits = {}, terms = shard.terms || {};
        Object.keys(terms).forEach(function (t) {
          if (word.length === 1 ? t !== word : t.lastIndexOf(word, 0) !== 0) return;
          var id = 0, exact = t === word;
          terms[t].forEach(function (n) {
            id += n >> 2;
            var how = n & 3;
            if (how === 2 && exact) how = 3;
            if (!(hits[id] >= how)) hits[id] = how;
          });
        });
        return hits;
      });
    }

    /* The ids of the entries every query word is found in, best first: a
       trial whose acronym is the query, then by score (a word found in the
       acronym counts 3, in the title or registry ids 2, elsewhere 1); ties
       keep the index's order. */
    function search(query) {
      var words = norm(query).split(" ").filter(Boolean);
      if (!words.length) return Promise.resolve([]);
      return start().then(function (m) {
        if (!m.terms) return [];
        return Promise.all(words.map(function (w) { return found(m, w); }));
      }).then(function (lists) {
        if (!lists.length) return [];
        var ids = Object.keys(lists[0]), out = [];
        ids.forEach(function (id) {
          var score = 0, acronym = true;
          for (var i = 0; i < lists.length; i++) {
            var p = lists[i][id];
            if (p === undefined) return;
            score += p >= 2 ? 3 : p + 1;
            acronym = acronym && p === 3;
          }
          out.push({ id: +id, score: score + (acronym ? 100 : 0) });
        });
        out.sort(function (a, b) { return b.score - a.score || a.id - b.id; });
        return out.map(function (h) { return h.id; });
      });
    }

    /* What the results `ids` show (title, kind, URL, summary), from their
       entry shards, in the same order. */
    function entries(ids) {
      return start().then(function (m) {
        return Promise.all(ids.map(function (id) {
          var k = Math.floor(id / m.doc_entries);
          return file(docUrl(m, k)).then(function (s) {
            return s.entries[id - s.first];
          });
        }));
      });
    }

    return { search: search, entries: entries, manifest: start };
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

  /* Fetch one JSON file of the site. */
  function json(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  var FAILED = "This search needs a part of the index this device has not kept yet: try again with a signal.";

  /* Runs queries for one box: `render(q, ids, latest)` gets the ids found,
     and `latest()` stays true while no newer query has been typed, so only
     the answer to the latest query is shown, whatever order the shards
     arrive in. */
  function runner(index, render, fail) {
    var count = 0;
    return function (q) {
      var n = ++count, latest = function () { return n === count; };
      return index.search(q).then(function (ids) {
        if (latest()) return render(q, ids, latest);
      }).catch(function () { if (latest()) fail(); });
    };
  }

  var PAGE = 20;

  /* The search page: results as you type, the query kept in the address;
     the first results shown, the next ones on request. */
  function start() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var box = document.getElementById("search-q");
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var more = document.getElementById("search-more");
    var index = open(form.getAttribute("data-index"), json);
    keep(index);
    var q = new URLSearchParams(location.search).get("q");
    if (q) box.value = q;
    var found = [], shown = function () { return false; };
    function page() {
      var from = list.children.length, still = shown;
      return index.entries(found.slice(from, from + PAGE)).then(function (es) {
        if (!still()) return;
        list.append.apply(list, es.map(item));
        more.hidden = list.children.length >= found.length;
      });
    }
    var run = runner(index, function (q, ids, latest) {
      found = ids;
      shown = latest;
      return index.entries(ids.slice(0, PAGE)).then(function (es) {
        if (!latest()) return;
        list.replaceChildren.apply(list, es.map(item));
        more.hidden = ids.length <= PAGE;
        status.textContent = ids.length === 0 ? "No page matches \u201c" + q + "\u201d."
          : ids.length + (ids.length === 1 ? " page matches" : " pages match") + " \u201c" + q + "\u201d"
            + (ids.length > PAGE ? ", the first " + PAGE + " shown." : ".");
      });
    }, function () { status.textContent = FAILED; });
    function update() {
      shown = function () { return false; };
      var u = new URL(location.href);
      if (box.value) u.searchParams.set("q", box.value); else u.searchParams.delete("q");
      history.replaceState(null, "", u);
      if (norm(box.value) === "") {
        list.replaceChildren();
        more.hidden = true;
        status.textContent = "Type a trial, drug, condition or registry id.";
        return;
      }
      run(box.value);
    }
    box.addEventListener("input", update);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); update(); });
    more.addEventListener("click", function () {
      var first = list.children.length;
      page().then(function () {
        var a = list.children[first] && list.children[first].querySelector("a");
        if (a) a.focus();
      }).catch(function () { status.textContent = FAILED; });
    });
    update();
  }

  /* The header's box on every other page: the first results under it as
     the reader types, the index fetched on the first keystroke (only the
     shards the query needs). Arrow down moves into the results, arrows
     move between them, Escape closes them and goes back to the box; Enter
     in the box opens the search page. */
  var SHOWN = 6;
  function header() {
    var form = document.querySelector("form.site-search[data-index]");
    var box = document.getElementById("site-q");
    var panel = document.getElementById("site-suggest");
    if (!form || !box || !panel) return;
    var list = document.getElementById("site-suggest-list");
    var status = document.getElementById("site-suggest-status");
    var index = open(form.getAttribute("data-index"), json);
    function close() { panel.hidden = true; }
    var run = runner(index, function (q, ids, latest) {
      return index.entries(ids.slice(0, SHOWN)).then(function (es) {
        if (panel.hidden || !latest()) return;
        list.replaceChildren.apply(list, es.map(function (e) {
          var li = item(e);
          li.removeChild(li.querySelector("p"));
          return li;
        }));
        status.textContent = ids.length === 0 ? "No page matches \u201c" + q + "\u201d."
          : ids.length > SHOWN ? "The first " + SHOWN + " of " + ids.length + " pages; press Enter for all."
          : ids.length + (ids.length === 1 ? " page matches." : " pages match.");
      });
    }, function () { status.textContent = FAILED; });
    function update() {
      if (norm(box.value) === "") { close(); return; }
      if (panel.hidden) { list.replaceChildren(); status.textContent = "Searching\u2026"; }
      panel.hidden = false;
      run(box.value);
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

  /* The shard URLs of the index whose manifest is `m`. */
  function shardUrls(m) {
    var urls = [], k;
    for (k = 0; k < m.terms; k++) urls.push(termUrl(m, k));
    for (k = 0; k < m.docs; k++) urls.push(docUrl(m, k));
    return urls;
  }

  /* Megabytes, one decimal (at least 0.1). */
  function mb(bytes) {
    return Math.max(0.1, Math.round(bytes / 1e5) / 10).toFixed(1) + " MB";
  }

  /* Search without signal, on the search page of a site with the offline
     service worker: says when every shard is kept on this device (a small
     site's index is precached whole); otherwise offers to keep them all,
     fetching each missing shard once through the worker, which keeps what
     it fetches. */
  function keep(index) {
    var box = document.getElementById("search-keep");
    if (!box || !("serviceWorker" in navigator) || !window.caches) return;
    var button = document.getElementById("search-keep-button");
    var note = document.getElementById("search-keep-status");
    var KEPT = "Search works offline on this device.";
    var m;
    function missing() {
      var urls = shardUrls(m);
      return Promise.all(urls.map(function (u) { return caches.match(u); })).then(function (hits) {
        return urls.filter(function (u, i) { return !hits[i]; });
      });
    }
    function show() {
      if (!navigator.serviceWorker.controller) return;
      index.manifest().then(function (manifest) {
        m = manifest;
        if (!m.terms) return;
        return missing().then(function (left) {
          box.hidden = false;
          button.hidden = left.length === 0;
          button.textContent = "Keep search on this device (" + mb(m.bytes || 0) + ")";
          note.textContent = left.length === 0 ? KEPT : "";
        });
      }).catch(function () {});
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      missing().then(function (left) {
        var done = 0, failed = 0, next = 0;
        function one() {
          if (next >= left.length) return Promise.resolve();
          var u = left[next++];
          return fetch(u).then(function (r) { if (!r.ok) failed++; })
            .catch(function () { failed++; })
            .then(function () {
              done++;
              note.textContent = "Keeping search\u2026 " + done + " of " + left.length;
              return one();
            });
        }
        return Promise.all([one(), one(), one(), one()]).then(function () { return failed; });
      }).then(function (failed) {
        button.disabled = false;
        if (failed) { note.textContent = "Some parts could not be kept: try again with a signal."; return; }
        /* The worker stores each response after answering it: check. */
        return new Promise(function (r) { setTimeout(r, 200); }).then(missing).then(function (left) {
          button.hidden = left.length === 0;
          note.textContent = left.length === 0 ? KEPT : "Some parts could not be kept: try again.";
        });
      });
    });
    navigator.serviceWorker.ready.then(show);
    navigator.serviceWorker.addEventListener("controllerchange", show);
  }

  function boot() { start(); header(); }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { norm: norm, open: open, termShard: termShard };
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", boot);
  } else {
    boot();
  }
})();
