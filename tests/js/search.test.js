// The theme's search.js matched against a built index: run by
// tests/it/search.rs as `node tests/js/search.test.js INDEX` when node is
// installed (INDEX: the manifest; its shards are read from its folder, by
// the last part of their URLs). Prints one line per query: the query, then
// the URLs found.
"use strict";
const fs = require("fs");
const path = require("path");
const { search } = require("../../themes/default/static/search.js");
const read = (p) => JSON.parse(fs.readFileSync(p, "utf8"));
const manifest = read(process.argv[2]);
const dir = path.dirname(process.argv[2]);
const entries = [].concat(
  ...manifest.shards.map((u) => read(path.join(dir, u.split("/").pop())).entries)
);
for (const q of process.argv.slice(3)) {
  console.log(q + " => " + search(entries, q).map((e) => e.url).join(" "));
}
