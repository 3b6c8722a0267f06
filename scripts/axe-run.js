// axe-core over pages given on the command line, light and dark, 360 and 1280 px wide (used by a11y-check.sh).
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSrc = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  let bad = 0;
  for (const scheme of ['light', 'dark']) {
    for (const w of [360, 1280]) {
      const page = await browser.newPage({ viewport: { width: w, height: 900 }, colorScheme: scheme });
      for (const url of process.argv.slice(2)) {
        await page.goto(url);
        await page.addScriptTag({ content: axeSrc });
        const r = await page.evaluate(async () => await axe.run(document, { resultTypes: ['violations'] }));
        for (const v of r.violations) {
          bad++;
          console.log(`${scheme} ${w} ${url} [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length})`);
          for (const n of v.nodes.slice(0, 3)) console.log('    ' + n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\n').slice(0,2).join(' | '));
        }
      }
      await page.close();
    }
  }
  await browser.close();
  console.log(`violations: ${bad}`);
  process.exit(bad ? 1 : 0);
})();
