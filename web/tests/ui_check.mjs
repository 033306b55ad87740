// The web UI in a real browser (Debian's Chromium, driven by
// playwright-core), against a running sensor: run by
// tests/integration/sensor.sh. Usage:
//   OYSTER_TOKEN=... node tests/ui_check.mjs session BASE_URL TYPED_SESSION WGET_SESSION SCREENSHOTS
//   OYSTER_TOKEN=... node tests/ui_check.mjs intrusion BASE_URL INTRUSION DOWNLOAD_SHA256 SCREENSHOTS
// session (while the intrusion is open): the API refuses a browser
// without a login; the login page takes the token; the typed session's
// replay shows the typed commands, and so does its live page; the
// download session's timeline lists the wget; the attacker's
// <script>/<img onerror> strings show as text and no dialog ever opens;
// the live Sigma alerts: the alerts page by technique, the overview's
// counts, the timeline's mark at the record that raised one.
// intrusion (after the analysis): the files diff and the YARA alert, and
// the downloaded file fetched through its link, byte for byte.
// Both save screenshots and fail on any CSP violation. Exits non-zero
// with the failed check.
import { createHash } from 'node:crypto';
import { chromium } from 'playwright-core';

const [mode, base, a1, a2, shots] = process.argv.slice(2);
const [typed, wget] = [a1, a2];
const token = process.env.OYSTER_TOKEN;
const XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>'];

function check(ok, what) {
  if (!ok) throw new Error(`web UI: ${what}`);
  console.error(`    ui> ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let failed = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

  const anonymous = await page.request.get(`${base}/api/sessions`);
  check(anonymous.status() === 401, 'the API refuses a browser that has not logged in');
  const anonymousBlob = await page.request.get(`${base}/api/overview`);
  check(anonymousBlob.status() === 401, 'the overview API refuses it too');

  await page.goto(`${base}/`);
  await page.locator('#token').waitFor({ timeout: 10000 });
  await page.fill('#token', 'not-the-token');
  await page.click('#login button[type=submit]');
  await page.locator('#login-error').waitFor({ state: 'visible', timeout: 10000 });
  check(true, 'a wrong token is refused on the login page');
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 10000 });
  check(await page.locator('#intrusions-plot').count() === 1, 'the overview shows, with its intrusions plot');
  await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });

  if (mode === 'session') {
    await page.goto(`${base}/#/session/${wget}`);
    await page.getByRole('heading', { name: `Session #${wget}`, exact: true }).waitFor({ timeout: 10000 });
    const wgetTimeline = await page.locator('table').nth(0).innerText();
    check(/exec wget -q -O \/root\/tool\.bin http/.test(wgetTimeline), 'the download session\'s timeline lists the wget');
    check(/connect /.test(wgetTimeline), 'and its connection out');

    await page.goto(`${base}/#/session/${typed}`);
    await page.getByRole('heading', { name: `Session #${typed}`, exact: true }).waitFor({ timeout: 10000 });
    const terminal = page.locator('.ap-terminal');
    await terminal.waitFor({ timeout: 15000 });
    await page.waitForFunction(() => {
      const t = document.querySelector('.ap-terminal');
      return t && t.textContent.includes('oyster-replay-check');
    }, null, { timeout: 60000 });
    check(true, 'the replay shows the typed command and its output');
    const timeline = await page.locator('table').nth(0).innerText();
    for (const s of XSS) check(timeline.includes(s), `the timeline shows ${s} as text`);
    const injected = await page.evaluate(() => ({
      scripts: [...document.querySelectorAll('main script')].length,
      images: [...document.querySelectorAll('img[src="x"]')].length,
    }));
    check(injected.scripts === 0 && injected.images === 0, 'no script or img element came from the attacker\'s strings');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${shots}/session-typed.png`, fullPage: true });

    await page.goto(`${base}/#/sessions?ip=203.0.113.10`);
    await page.getByRole('heading', { name: 'Sessions' }).waitFor({ timeout: 10000 });
    check((await page.locator('tbody tr').count()) >= 3, 'the sessions page lists the attacker\'s sessions');
    await page.screenshot({ path: `${shots}/sessions.png`, fullPage: true });

    // The sensor: the overview's table of sensors links each to its
    // sessions; a sensor filter with no such sensor lists none.
    await page.goto(`${base}/#/overview`);
    await page.getByRole('heading', { name: 'Sensors' }).waitFor({ timeout: 10000 });
    const sensorLink = page.locator('main a[href^="#/sessions?sensor="]').first();
    const sensorName = (await sensorLink.innerText()).trim();
    check(sensorName.length > 0, 'the overview lists the sensor by name');
    await sensorLink.click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor({ timeout: 10000 });
    check((await page.locator('tbody tr').count()) >= 3, 'the sensor\'s link lists its sessions');
    check(await page.locator('input[name=sensor]').inputValue() === sensorName, 'the sessions filter names the sensor');
    await page.goto(`${base}/#/sessions?sensor=no-such-sensor`);
    await page.getByText('0 sessions').waitFor({ timeout: 10000 });
    check((await page.locator('tbody tr').count()) === 0, 'a sensor that is not there has no sessions');

    // Live Sigma alerts (the sensor test's bot session ran before): the
    // alerts page filtered by technique, the overview's counts by
    // technique, and the mark on the timeline at the record that raised it.
    await page.goto(`${base}/#/alerts?engine=sigma&technique=T1496`);
    await page.getByRole('heading', { name: 'Alerts' }).waitFor({ timeout: 10000 });
    const alertRows = await page.locator('main tbody').innerText();
    check(alertRows.includes('Cryptocurrency miner started') && !alertRows.includes('Crontab installed'),
      'the alerts page filtered by T1496 lists the miner and not the crontab');
    check(alertRows.includes('stratum+tcp://'), 'and shows what the rule saw');
    await page.screenshot({ path: `${shots}/alerts.png`, fullPage: true });
    // nDPI's alerts (the bot joined IRC and a mining pool) beside them.
    await page.goto(`${base}/#/alerts?engine=network`);
    await page.getByRole('heading', { name: 'Alerts' }).waitFor({ timeout: 10000 });
    await page.locator('main tbody', { hasText: 'Guest joins IRC' }).waitFor({ timeout: 10000 });
    const networkRows = await page.locator('main tbody').innerText();
    check(networkRows.includes('Guest joins IRC') && networkRows.includes('mining pool') &&
      !networkRows.includes('Cryptocurrency miner started'),
      'the alerts page filtered by engine lists nDPI\'s IRC and mining pool alerts, not Sigma\'s');
    check(networkRows.includes(':6667') && networkRows.includes(':3333'), 'with the flows nDPI named');
    await page.goto(`${base}/#/overview`);
    await page.getByRole('heading', { name: 'Alerts by ATT&CK technique' }).waitFor({ timeout: 10000 });
    check(await page.locator('main a[href="#/alerts?technique=T1496"]').count() >= 1, 'the overview counts alerts by technique');
    const miner = (await (await page.request.get(`${base}/api/alerts?engine=sigma&technique=T1496`)).json()).alerts[0];
    const inIntrusion = (await (await page.request.get(`${base}/api/sessions?intrusion=${encodeURIComponent(miner.intrusion_id)}&limit=100`)).json()).sessions;
    let marked = null;
    for (const s of inIntrusion) {
      const d = await (await page.request.get(`${base}/api/sessions/${s.id}`)).json();
      if (d.timeline.some((r) => r.type === 'capture' && r.event.event && r.event.event.seq === miner.seq)) marked = s.id;
    }
    check(marked !== null, `the miner's record (seq ${miner.seq}) is in a session of its intrusion`);
    await page.goto(`${base}/#/session/${marked}`);
    await page.getByRole('heading', { name: `Session #${marked}`, exact: true }).waitFor({ timeout: 10000 });
    check((await page.locator('.alert-mark', { hasText: 'Cryptocurrency miner started' }).count()) === 1,
      'the session timeline marks the record that raised the alert');
    await page.goto(`${base}/#/live/${typed}`);
    await page.getByRole('heading', { name: `Session #${typed} (live)`, exact: true }).waitFor({ timeout: 10000 });
    await page.waitForFunction(() => {
      const t = document.querySelector('.ap-terminal');
      return t && t.textContent.includes('oyster-replay-check');
    }, null, { timeout: 60000 });
    check(true, 'the live page shows the session as it stands');
  } else {
    const [intrusion, sha] = [a1, a2];
    await page.goto(`${base}/#/intrusion/${encodeURIComponent(intrusion)}`);
    await page.getByRole('heading', { name: `Intrusion ${intrusion}`, exact: true }).waitFor({ timeout: 10000 });
    const text = await page.locator('main').innerText();
    for (const want of ['/root/tool.bin', '/etc/passwd', '/etc/motd', '/root/.ssh/authorized_keys', 'test_download_tool_bin', 'ssh_authorized_key_added']) {
      check(text.includes(want), `the intrusion page lists ${want}`);
    }
    const href = await page.locator(`a[href="/api/evidence/${sha}"]`).first().getAttribute('href');
    const blob = await page.request.get(`${base}${href}`);
    check(blob.status() === 200 && createHash('sha256').update(await blob.body()).digest('hex') === sha,
      'the download link gives the downloaded file byte for byte');
    await page.screenshot({ path: `${shots}/intrusion.png`, fullPage: true });
  }
  check(dialogs.length === 0, `no dialog opened (${dialogs.join(', ')})`);
  const cspViolations = consoleErrors.filter((e) => /Content Security Policy/.test(e));
  check(cspViolations.length === 0, `the page runs under its CSP without violations (${cspViolations.join('; ')})`);

  await page.click('#logout');
  await page.locator('#token').waitFor({ timeout: 10000 });
  const after = await page.request.get(`${base}/api/sessions`);
  check(after.status() === 401, 'after logging out the API refuses again');
} catch (e) {
  failed = e;
} finally {
  await browser.close();
}
if (failed) {
  console.error(String(failed.stack || failed));
  process.exit(1);
}
