// The theme's search.js matched against a built index: run by
// tests/it/search.rs as `node tests/js/search.test.js INDEX` when node is
// installed. Prints one line per query: the query, then the URLs found.
"use strict";
const fs = require("fs");
const { search } = require("../../themes/default/static/search.js");
const index = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const q of process.argv.slice(3)) {
  console.log(q + " => " + search(index.entries, q).map((e) => e.url).join(" "));
}
