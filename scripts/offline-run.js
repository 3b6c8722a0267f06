// Offline reading and search in headless Chromium (used by offline-check.sh).
// usage: node offline-run.js BASE_URL [LARGE_BASE_URL]
// On BASE_URL (the example site): the service worker installs on the first
// visit; a trial page is opened; then with the network cut, the search page
// finds LeoPARDS, "septic shock" and NCT04728932 (also opened as
// search/?q=...), the trial page opened before is readable, the header's
// box suggests results, and a page never opened shows the offline page.
// On LARGE_BASE_URL (a site too large to precache its index): with the
// network cut, a search fails with the "not kept yet" message; after
// "Keep search on this device" (with signal), it works without signal.
const { chromium } = require('playwright-core');

const failures = [];
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

async function controlled(page, url) {
  await page.goto(url);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // A first visit is controlled once the worker claims it.
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 15000 });
}

async function results(page) {
  await page.waitForFunction(() => {
    const s = document.getElementById('search-status').textContent;
    return /match|No page|needs a part/.test(s);
  }, null, { timeout: 10000 });
  return page.evaluate(() => ({
    status: document.getElementById('search-status').textContent,
    titles: [...document.querySelectorAll('#search-results li a')].map((a) => a.textContent),
  }));
}

async function search(page, q) {
  await page.fill('#search-q', '');
  await page.fill('#search-q', q);
  return results(page);
}

async function example(browser, base) {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await controlled(page, base);
  await page.goto(base + 'trials/leopards/');
  await page.waitForTimeout(300);
  await context.setOffline(true);

  await page.goto(base + 'search/');
  let r = await search(page, 'LeoPARDS');
  check(r.titles.some((t) => t.startsWith('LeoPARDS')), `offline search "LeoPARDS": ${r.status} [${r.titles[0] || ''}]`);
  r = await search(page, 'septic shock');
  check(r.titles.some((t) => t.startsWith('LeoPARDS')), `offline search "septic shock": ${r.status}`);
  r = await search(page, 'NCT04728932');
  check(r.titles.length > 0 && /NCT04728932|LEVO/i.test(r.titles.join(' ')), `offline search "NCT04728932": ${r.status} [${r.titles[0] || ''}]`);
  const kept = await page.textContent('#search-keep-status');
  check(/works offline/.test(kept || ''), `search page says: "${kept}"`);

  await page.goto(base + 'search/?q=septic%20shock');
  r = await results(page);
  check(r.titles.some((t) => t.startsWith('LeoPARDS')), `offline search/?q=septic%20shock: ${r.status}`);

  await page.goto(base + 'trials/leopards/');
  const h1 = await page.textContent('h1');
  check(/LeoPARDS/.test(h1 || ''), `offline trial page opened before: "${(h1 || '').trim()}"`);

  await page.goto(base);
  await page.fill('#site-q', 'levosimendan');
  await page.waitForFunction(() => /match|pages/.test(document.getElementById('site-suggest-status').textContent), null, { timeout: 10000 });
  const sug = await page.$$eval('#site-suggest-list a', (as) => as.length);
  check(sug > 0, `offline header suggestions for "levosimendan": ${sug}`);

  const resp = await page.goto(base + 'tags/sepsis/');
  const body = await page.textContent('main');
  check(/offline|signal/i.test(body || ''), `offline page for a page never opened (status ${resp && resp.status()})`);
  await context.close();
}

async function large(browser, base) {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await controlled(page, base + 'search/');
  await page.waitForSelector('#search-keep-button:not([hidden])', { timeout: 10000 });
  const label = await page.textContent('#search-keep-button');
  check(/Keep search on this device \(\d+\.\d MB\)/.test(label), `large site offers: "${label}"`);

  await context.setOffline(true);
  let r = await search(page, 'zebra');
  check(/needs a part/.test(r.status), `large site, not kept, offline: "${r.status}"`);

  await context.setOffline(false);
  await page.reload();
  await page.waitForSelector('#search-keep-button:not([hidden])');
  await page.click('#search-keep-button');
  await page.waitForFunction(() => /works offline|could not/.test(document.getElementById('search-keep-status').textContent), null, { timeout: 60000 });
  const note = await page.textContent('#search-keep-status');
  check(/works offline/.test(note), `after keeping: "${note}"`);

  await context.setOffline(true);
  await page.goto(base + 'search/');
  r = await search(page, 'zebra');
  check(r.titles.length > 0, `large site, kept, offline "zebra": ${r.status}`);
  r = await search(page, 'trial 299');
  check(r.titles.some((t) => /299/.test(t)), `large site, kept, offline "trial 299": ${r.status}`);
  await context.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    await example(browser, process.argv[2]);
    if (process.argv[3]) await large(browser, process.argv[3]);
  } catch (e) {
    check(false, `error: ${e.message}`);
  }
  await browser.close();
  console.log(`offline checks: ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
})();
