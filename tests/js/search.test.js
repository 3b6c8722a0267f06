// The theme's search.js matched against a built index: run by
// tests/it/search.rs as `node tests/js/search.test.js INDEX QUERY...` when
// node is installed (INDEX: the manifest; the shards it names are read
// from its folder, by the last part of their URLs). Prints one line per
// query: the query, then the URLs found, best first.
"use strict";
const fs = require("fs");
const path = require("path");
const { open } = require("../../themes/default/static/search.js");
const [index, ...args] = process.argv.slice(2);
const dir = path.dirname(index);

async function main() {
  for (const q of args) {
    const get = (u) => {
      const name = u === index ? index : path.join(dir, u.split("/").pop());
      return Promise.resolve(JSON.parse(fs.readFileSync(name, "utf8")));
    };
    const ix = open(index, get);
    const ids = await ix.search(q);
    const es = await ix.entries(ids);
    console.log(q + " => " + es.map((e) => e.url).join(" "));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
