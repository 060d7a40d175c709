// The admin status page in a real browser (issue 16): Debian's Chromium driven by playwright-core.
// Run by dev.porter.admin.StatusPageBrowserTest, which starts Porter and passes:
//   ADMIN_URL  the admin endpoint, e.g. http://127.0.0.1:41234/
//   APP_URL    the application's URL on Porter's front server (a TestBackend answering /pid with its process id)
//   APP_DIR    the application's directory (app_offline.htm is written there)
//   SCREENSHOT where to keep the screenshot
// Exits 0 when every step was seen, 1 with the reason otherwise. Never downloads a browser.
import { chromium } from 'playwright-core';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const { ADMIN_URL, APP_URL, APP_DIR, SCREENSHOT } = process.env;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const step = (what) => console.log(new Date().toISOString() + ' ' + what);

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failed = null;
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
try {
  await page.goto(ADMIN_URL);
  const state = page.getByTestId('state-0');
  const pids = page.getByTestId('pids-0');
  await state.filter({ hasText: /^running$/ }).waitFor({ timeout: 30000 });
  const firstPid = (await pids.textContent()).trim();
  step('status page shows the app running as process ' + firstPid);

  await page.getByTestId('recycle-0').click();
  await pids.filter({ hasNotText: firstPid }).waitFor({ timeout: 30000 });
  step('recycle clicked: process ' + firstPid + ' is gone from the page');
  const response = await fetch(APP_URL + 'pid');
  const newPid = (await response.text()).trim();
  if (response.status !== 200 || newPid === firstPid) {
    throw new Error('after the recycle the app answered ' + response.status + ' from process ' + newPid);
  }
  await pids.filter({ hasText: new RegExp('^' + newPid + '$') }).waitFor({ timeout: 30000 });
  step('the page shows the new process id ' + newPid + ' without a reload');

  const offline = join(APP_DIR, 'app_offline.htm');
  writeFileSync(offline, '<html><body>Back soon</body></html>');
  const written = Date.now();
  await state.filter({ hasText: /^offline$/ }).waitFor({ timeout: 2000 });
  step('app_offline.htm seen as offline on the page after ' + (Date.now() - written) + ' ms');
  rmSync(offline);
  await state.filter({ hasNotText: /^offline$/ }).waitFor({ timeout: 30000 });
  step('app_offline.htm removed: the page shows ' + (await state.textContent()));

  await page.getByTestId('offline-0').click();
  await state.filter({ hasText: /^offline$/ }).waitFor({ timeout: 30000 });
  const answered = await fetch(APP_URL + 'pid');
  if (answered.status !== 503) {
    throw new Error('the "Take offline" button left the app answering ' + answered.status);
  }
  step('"Take offline" clicked: the page says offline and the app answers 503');
  await page.getByTestId('online-0').click();
  await state.filter({ hasNotText: /^offline$/ }).waitFor({ timeout: 30000 });
  await fetch(APP_URL + 'pid');
  await state.filter({ hasText: /^running$/ }).waitFor({ timeout: 30000 });
  step('"Bring online" clicked: the app serves again');
} catch (e) {
  failed = e;
} finally {
  await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch((e) => console.log('no screenshot: ' + e));
  await browser.close();
}
if (failed) {
  console.log('FAILED: ' + (failed.stack || failed));
  process.exit(1);
}
step('screenshot kept at ' + SCREENSHOT);
