// What a first search downloads: `node benches/search_download.js
// PUBLIC/search/index.json QUERY...` runs the theme's search.js on a built
// index as the search page does (the manifest, the term shard of each
// query word, then the entry shards of the first 20 results) and prints,
// per query, the results found, the files read and their bytes gzipped
// (level 9, as `gzip -9c FILE | wc -c`).
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { open } = require("../themes/default/static/search.js");
const [index, ...queries] = process.argv.slice(2);
const dir = path.dirname(index);
const FIRST = 20;

async function main() {
  for (const q of queries) {
    const read = [];
    const get = (u) => {
      const name = u === index ? index : path.join(dir, u.split("/").pop());
      const bytes = fs.readFileSync(name);
      read.push([path.basename(name), bytes.length, zlib.gzipSync(bytes, { level: 9 }).length]);
      return Promise.resolve(JSON.parse(bytes.toString("utf8")));
    };
    const ix = open(index, get);
    const ids = await ix.search(q);
    await ix.entries(ids.slice(0, FIRST));
    const raw = read.reduce((s, f) => s + f[1], 0);
    const gz = read.reduce((s, f) => s + f[2], 0);
    console.log(`${JSON.stringify(q)}: ${ids.length} results; ${read.length} files, ${raw} bytes, ${gz} gzipped`);
    console.log("  " + read.map((f) => `${f[0]} ${f[2]}`).join(", "));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
