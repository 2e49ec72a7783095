// The operator GUI in real Chromium against a real `corral serve` (the example lab SoT, copied
// so it can be broken): login, dashboard counts, host table filters, host detail and its live
// timeline, a power action's answer, a broken SoT edit shown live, and every page's screenshot.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { apiJson, apiToken, chromiumMissing, collectPageErrors, copyExample, ensureGuiBuilt, launch, login, shot, startLab, type Lab } from './harness.js';

const T = 20_000;

describe('operator GUI (Chromium)', { skip: chromiumMissing(), timeout: 300_000 }, () => {
  let lab: Lab;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];

  before(async () => {
    await ensureGuiBuilt();
    lab = await startLab(copyExample);
    browser = await launch();
    ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await ctx.newPage();
    errors = collectPageErrors(page);
  });

  after(async () => {
    await browser?.close();
    await lab?.close();
  });

  test('GET / is the GUI for a browser and stays HAS JSON for API clients', async () => {
    const html = await fetch(`${lab.base}/`, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'.*connect-src 'self'/);
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    const js = /src="(\/ui\/assets\/app-[A-Z0-9]+\.js)"/.exec(await html.text())?.[1];
    assert.ok(js, 'index.html names the hashed bundle');
    const asset = await fetch(`${lab.base}${js}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    const json = await apiJson(lab.base, '/');
    assert.equal(json.versions[0].id, 'v1');
  });

  test('login: a wrong password is refused with a message; the right one logs in', async () => {
    await page.goto(`${lab.base}/#/login`);
    await page.getByLabel('User').fill('operator');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Wrong user name or password' });
    await alert.waitFor({ timeout: T });
    await shot(page, 'login');
    await login(page, lab.base);
    // The token is in sessionStorage, not in the URL.
    assert.ok(await page.evaluate(() => sessionStorage.getItem('corral.token')));
    assert.doesNotMatch(page.url(), /token/i);
  });

  test('dashboard: counts by state match the API', async () => {
    const hosts: any[] = await apiJson(lab.base, '/v1/hosts');
    const want: Record<string, number> = {};
    for (const h of hosts) want[h.lifecycle_state] = (want[h.lifecycle_state] ?? 0) + 1;
    await page.goto(`${lab.base}/#/`);
    await page.waitForFunction(
      (w: Record<string, number>) =>
        [...document.querySelectorAll('[data-testid^="count-"]')].length === 7 &&
        [...document.querySelectorAll<HTMLElement>('[data-testid^="count-"]')].every((el) => Number(el.dataset.count) === (w[el.dataset.testid!.slice(6)] ?? 0)),
      want,
      { timeout: T },
    );
    await page.getByTestId('svc-dhcp').waitFor({ timeout: T });
    assert.match((await page.getByTestId('svc-dhcp').textContent()) ?? '', /boot services not started|off/);
    await page.getByTestId('live-events').locator('li').first().waitFor({ timeout: T });
    await shot(page, 'dashboard');
  });

  test('inventory: the host table filters by search, label and state', async () => {
    const hosts: any[] = await apiJson(lab.base, '/v1/hosts');
    await page.goto(`${lab.base}/#/hosts`);
    const count = () => page.getByTestId('shown-count').getAttribute('data-count').then(Number);
    await page.waitForFunction((n) => document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count') === String(n), hosts.length, { timeout: T });
    await page.getByTestId('filter-q').fill('ee-cp0');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="host-table"] .vbody .vrow').length === 3, undefined, { timeout: T });
    assert.equal(await count(), hosts.filter((h) => h.name.includes('ee-cp0')).length);
    // Search by MAC.
    const mac = hosts[5].interfaces[0].mac as string;
    await page.getByTestId('filter-q').fill(mac);
    await page.locator(`[data-host="${hosts[5].id}"]`).waitFor({ timeout: T });
    await page.getByTestId('filter-q').fill('');
    const byLabel: any[] = await apiJson(lab.base, '/v1/hosts?label=rack=r11');
    await page.getByTestId('filter-label').fill('rack=r11');
    await page.waitForFunction((n) => document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count') === String(n), byLabel.length, { timeout: T });
    await page.getByTestId('filter-label').fill('');
    await page.getByTestId('filter-state').selectOption('active');
    const active = hosts.filter((h) => h.lifecycle_state === 'active').length;
    await page.waitForFunction((n) => document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count') === String(n), active, { timeout: T });
    await page.getByTestId('filter-state').selectOption('');
    await page.getByRole('button', { name: /^edge-east/ }).click();
    await shot(page, 'inventory');
  });

  test('host detail: facts, BMC without secrets, the event timeline', async () => {
    await page.goto(`${lab.base}/#/hosts`);
    await page.getByRole('link', { name: 'ee-cp01', exact: true }).first().click();
    await page.getByRole('heading', { name: /ee-cp01/ }).waitFor({ timeout: T });
    await page.getByTestId('timeline').getByText('host.added').waitFor({ timeout: T });
    const bmc = (await page.getByTestId('bmc').textContent()) ?? '';
    assert.match(bmc, /redfish at 10\.20\.8\.21/);
    assert.doesNotMatch(await page.content(), /password_set|"password"/);
    await page.getByText('iPXE script').click();
    await page.locator('.textpanel pre').first().getByText('#!ipxe').waitFor({ timeout: T });
    await shot(page, 'host');
  });

  test('power: the button sends the request and the page shows the API answer; the timeline follows live', async () => {
    await page.goto(`${lab.base}/#/hosts/ee-cp01`);
    await page.getByRole('heading', { name: /ee-cp01/ }).waitFor({ timeout: T });
    const req = page.waitForRequest((r) => r.url().endsWith('/v1/hosts/ee-cp01/power') && r.method() === 'POST', { timeout: T });
    const res = page.waitForResponse((r) => r.url().endsWith('/v1/hosts/ee-cp01/power'), { timeout: T });
    await page.getByRole('button', { name: 'Power on' }).click();
    assert.deepEqual(JSON.parse((await req).postData() ?? '{}'), { action: 'on' });
    const answer = await (await res).json();
    const result = page.getByTestId('action-result');
    await result.waitFor({ timeout: T });
    const text = (await result.textContent()) ?? '';
    if (answer.ok === false) assert.ok(text.includes(answer.message) && text.startsWith('Power on failed'), `shows the API error: ${text}`);
    else assert.match(text, /Power on:/);
    // Destructive: asks first.
    await page.getByRole('button', { name: 'Power off' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm Power off' });
    await confirm.waitFor({ timeout: T });
    const off = page.waitForRequest((r) => r.url().endsWith('/power') && r.postData() === '{"action":"off"}', { timeout: T });
    await confirm.getByRole('button', { name: 'Yes, power off' }).click();
    await off;
    await shot(page, 'host-power');
    // Provision a pxelab host (it fails at power: no BMC password here): the journalled steps
    // reach the open timeline through the event stream, without a reload.
    await page.goto(`${lab.base}/#/hosts/lab-a01`);
    const items = page.getByTestId('timeline').locator('li');
    await items.first().waitFor({ timeout: T });
    const before = await items.count();
    await page.getByRole('button', { name: 'Provision' }).click();
    await page.getByRole('button', { name: 'Yes, provision' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline"] li').length >= n + 2, before, { timeout: T });
    await page.getByTestId('timeline').getByText('provision.requested').first().waitFor({ timeout: T });
  });

  test('a broken SoT edit shows its problem with file and line, live, and the last good SoT keeps serving', async () => {
    await page.goto(`${lab.base}/#/sot`);
    const rev = (await page.getByTestId('sot-revision').textContent())?.trim();
    const bad = join(lab.sot, 'sites/edge-east/zz-broken.yml');
    writeFileSync(bad, 'id: zz\nhosts:\n  - name: [unclosed\n    mac: 00:11\n');
    try {
      const row = page.getByTestId('sot-problems').locator('tr', { hasText: /zz-broken\.yml:\d+:\d+/ }).first();
      await row.waitFor({ timeout: T });
      // The offending line itself is shown under the message.
      const excerpt = (await row.locator('pre.excerpt').textContent()) ?? '';
      assert.ok(/name: \[unclosed|mac: 00:11|hosts:/.test(excerpt), `excerpt shown: ${JSON.stringify(excerpt)}`);
      await page.getByText(/keeps serving/).first().waitFor({ timeout: T });
      assert.equal((await page.getByTestId('sot-revision').textContent())?.trim(), rev, 'the served revision did not change');
      await shot(page, 'sot');
    } finally {
      rmSync(bad, { force: true });
    }
  });

  test('roles, plans and users pages', async () => {
    await page.goto(`${lab.base}/#/roles`);
    await page.getByTestId('active-k8s-worker').waitFor({ timeout: T });
    await shot(page, 'roles');
    await page.goto(`${lab.base}/#/plans`);
    await page.getByLabel('Name').fill('gui-plan');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.getByTestId('plans').getByText('gui-plan').first().waitFor({ timeout: T });
    await page.getByTestId('plans').locator('.plan', { hasText: 'gui-plan' }).locator('.badge', { hasText: /done|not found|error/ }).waitFor({ timeout: T });
    await shot(page, 'plans');
    await page.goto(`${lab.base}/#/users`);
    await page.getByTestId('users').getByText('operator').waitFor({ timeout: T });
    await shot(page, 'users');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${lab.base}/#/`);
    await page.getByTestId('count-inactive').waitFor({ timeout: T });
    await shot(page, 'dashboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('pools and servers pages', async () => {
    const status = await apiJson(lab.base, '/api/v1/status');
    await page.goto(`${lab.base}/#/pools`);
    const cap = page.getByTestId('pool-capacity');
    await cap.waitFor({ timeout: T });
    assert.match((await cap.textContent()) ?? '', new RegExp(`^${status.capacity.current} of ${status.capacity.total}`));
    for (const name of Object.keys(status.pools)) await page.getByTestId('pools').getByRole('link', { name, exact: true }).waitFor({ timeout: T });
    await shot(page, 'pools');
    await page.goto(`${lab.base}/#/servers`);
    await page.getByRole('heading', { name: /Servers of/ }).waitFor({ timeout: T });
    await page.getByTestId('servers').or(page.getByText('No servers in this project.')).waitFor({ timeout: T });
    await shot(page, 'servers');
  });

  test('beyond a token: 401 sends the page to login', async () => {
    const token = await apiToken(lab.base);
    assert.ok(token);
    await page.evaluate(() => sessionStorage.setItem('corral.token', 'x'.repeat(32)));
    // A fresh load with a token the appliance does not know: its first request answers 401.
    await page.goto('about:blank');
    await page.goto(`${lab.base}/#/hosts`);
    await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: T });
    await login(page, lab.base);
  });

  test('log out revokes the token on the appliance and returns to the login page', async () => {
    await login(page, lab.base);
    const tok = await page.evaluate(() => sessionStorage.getItem('corral.token'));
    assert.ok(tok);
    assert.equal((await fetch(`${lab.base}/api/v1/token/${tok}`)).status, 200);
    await page.goto(`${lab.base}/#/logout`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor({ timeout: T });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('corral.token')), null);
    assert.equal((await fetch(`${lab.base}/api/v1/token/${tok}`)).status, 404, 'revoked, not only forgotten');
    await login(page, lab.base);
  });

  test('API down: a banner says so; back up, the stream resumes and live events flow again', async () => {
    await page.goto(`${lab.base}/#/`);
    await page.locator('[data-testid="stream-state"].live').waitFor({ timeout: T });
    const resumed = page.waitForRequest((q) => q.url().endsWith('/v1/events') && /^\d+$/.test(q.headers()['last-event-id'] ?? ''), { timeout: 2 * T });
    const restarted = lab.restart();
    await page.getByTestId('api-down').waitFor({ timeout: T });
    await shot(page, 'api-down');
    await restarted;
    await page.getByTestId('api-down').waitFor({ state: 'detached', timeout: T });
    await page.locator('[data-testid="stream-state"].live').waitFor({ timeout: T });
    assert.ok(await resumed, 'the stream reconnected with Last-Event-ID');
    // An event made after the restart reaches the open dashboard through the resumed stream.
    const token = await apiToken(lab.base);
    const r = await fetch(`${lab.base}/v1/hosts/lab-a02/provision`, { method: 'POST', headers: { 'X-AUTH-TOKEN': token, 'Content-Type': 'application/json' }, body: '{}' });
    assert.ok(r.status < 500, `provision answered ${r.status}`);
    await page.getByTestId('live-events').getByRole('link', { name: 'lab-a02' }).first().waitFor({ timeout: T });
    assert.deepEqual(errors, []);
  });
});
