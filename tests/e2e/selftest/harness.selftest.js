import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { App, byTestId, typeInto, waitFor, screenshot, x11Windows, requestClose, numberIn } from '../lib/harness.js';
import { statSync } from 'node:fs';

/** @type {App} */
let app;
after(() => app?.stop());

const PAGE = `data:text/html,<title>Keel</title><div data-testid="page-dashboard">
<span data-testid="last-price">64,000.10</span><input data-testid="ticket-qty" value="5">
<button data-testid="ticket-submit" onclick="document.title='clicked '+document.querySelector('input').value">go</button></div>
<script>let p=64000.1;setInterval(()=>{p+=0.5;document.querySelector('[data-testid=last-price]').textContent=p.toLocaleString('en-US')},300)</script>`;

test('a session launches the browser through the wrapper', async () => {
  app = await App.start(undefined, ['--automation']);
  assert.ok(app.pid > 0 && app.alive());
  await app.session.cmd('POST', '/url', { url: PAGE });
});

test('elements, typing, text and scripts', async () => {
  const s = app.session;
  const first = numberIn(await (await byTestId(s, 'last-price')).text());
  assert.ok(first && first >= 64000);
  await waitFor(async () => numberIn(await (await byTestId(s, 'last-price')).text()) !== first, { timeout: 5000 });
  await typeInto(s, 'ticket-qty', '0.001');
  await (await byTestId(s, 'ticket-submit')).click();
  await waitFor(async () => (await s.title()) === 'clicked 0.001', { timeout: 5000, what: 'title' });
  assert.equal(await s.execute('return Promise.resolve(1 + arguments[0])', [41]), 42);
  assert.equal(await s.executeAsync('const d = arguments[arguments.length-1]; setTimeout(() => d("late"), 50)'), 'late');
  const f = await screenshot(s, 'selftest');
  assert.ok(statSync(f).size > 1000);
});

test('x11 helper sees and closes the window', async () => {
  const wins = await x11Windows();
  const mine = wins.find((w) => w.title.endsWith('clicked 0.001') && w.viewable); // MiniBrowser prefixes "[Automation] "
  assert.ok(mine && mine.pid === app.pid, JSON.stringify(wins));
  // MiniBrowser closes on WM_DELETE_WINDOW: the wrapper must record its exit.
  assert.ok((await requestClose(app.pid, mine.title)) >= 1);
  const code = await waitFor(() => (app.exitCode() === null ? null : { c: app.exitCode() }), { timeout: 10000, what: 'exit' });
  assert.equal(typeof code.c, 'number');
  assert.ok(!app.alive());
});
