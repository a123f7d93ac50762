// What the scenario needs around the WebDriver client: configuration from run.sh's environment,
// polling, the app process (through app-wrapper.sh's state files), screenshots and X11 windows.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Session, sleep, waitForDriver } from './webdriver.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** @param {string} name */
function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite through tests/e2e/run.sh`);
  return v;
}

export const config = {
  driverUrl: process.env.KEEL_E2E_DRIVER_URL ?? 'http://127.0.0.1:4444',
  get artifacts() {
    const dir = env('KEEL_E2E_ARTIFACTS');
    mkdirSync(dir, { recursive: true });
    return dir;
  },
  get stateDir() {
    return env('KEEL_E2E_STATE_DIR');
  },
  get realApp() {
    return env('KEEL_REAL_APP');
  },
  get dataDir() {
    return env('KEEL_DATA_DIR');
  },
  launcher: path.join(here, 'app-wrapper.sh'),
  x11win: path.join(here, 'x11win.py'),
};

export { sleep };

/**
 * Polls `fn` until it returns a truthy value; returns it. Errors thrown by `fn` count as "not
 * yet" and the last one is reported on timeout.
 * @template T
 * @param {() => Promise<T> | T} fn
 * @param {{timeout?: number, interval?: number, what?: string}} [opts]
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(fn, { timeout = 30_000, interval = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  let lastValue;
  for (;;) {
    try {
      lastValue = await fn();
      if (lastValue) return /** @type {NonNullable<T>} */ (lastValue);
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(interval);
  }
  const why = lastError ? `; last error: ${lastError instanceof Error ? lastError.message : lastError}` : `; last value: ${JSON.stringify(lastValue)}`;
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
}

/** @param {number} pid */
export function isAlive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function launches() {
  try {
    return Number(readFileSync(path.join(config.stateDir, 'launches'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/**
 * A running app, launched by WebKitWebDriver through app-wrapper.sh.
 */
export class App {
  /** @param {Session} session @param {number} launch @param {number} pid */
  constructor(session, launch, pid) {
    this.session = session;
    this.launch = launch;
    this.pid = pid;
  }

  /**
   * Starts the app in a new WebDriver session and waits for its pid.
   * @param {(msg: string) => void} [log]
   * @param {string[]} [args] extra arguments for the app
   */
  static async start(log = () => {}, args = (process.env.KEEL_E2E_SELFTEST_ARGS ?? '').split(' ').filter(Boolean)) {
    await waitForDriver(config.driverUrl, 30_000);
    const before = launches();
    const session = await Session.create(
      config.driverUrl,
      { 'tauri:options': { application: config.launcher, args } },
      { log },
    );
    await session.setTimeouts({ script: 30_000, pageLoad: 60_000, implicit: 0 }).catch(() => {});
    // Harness self-test only (selftest/mock-ui.sh): a stand-in browser is pointed at the UI.
    if (process.env.KEEL_E2E_SELFTEST_URL) await session.cmd('POST', '/url', { url: process.env.KEEL_E2E_SELFTEST_URL });
    const launch = await waitFor(() => (launches() > before ? launches() : 0), { timeout: 10_000, what: 'the app launch' });
    const pidFile = path.join(config.stateDir, `app-${launch}.pid`);
    const pid = await waitFor(() => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8').trim()), {
      timeout: 10_000,
      what: 'the app pid',
    });
    return new App(session, launch, pid);
  }

  /** @returns {number|null} the exit code once the app exited on its own */
  exitCode() {
    const f = path.join(config.stateDir, `app-${this.launch}.exit`);
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
  }

  alive() {
    return isAlive(this.pid);
  }

  async stop() {
    await this.session.delete();
  }
}

/**
 * Waits for an element by data-testid; returns it.
 * @param {Session} s @param {string} testid @param {number} [timeout]
 */
export function byTestId(s, testid, timeout = 15_000) {
  return waitFor(() => s.byTestId(testid), { timeout, what: `[data-testid=${testid}]` });
}

/**
 * Waits for a displayed element by data-testid whose text matches `re`; returns [element, text].
 * @param {Session} s @param {string} css @param {RegExp} re @param {number} [timeout]
 * @returns {Promise<[import('./webdriver.js').Element, string]>}
 */
export async function waitForText(s, css, re, timeout = 15_000) {
  /** @type {string[]} */
  let seen = [];
  try {
    return await waitFor(
      async () => {
        seen = [];
        for (const el of await s.findAll(css)) {
          const text = await el.text().catch(() => '');
          seen.push(text);
          if (re.test(text)) return /** @type {[any, string]} */ ([el, text]);
        }
        return null;
      },
      { timeout, what: `${css} matching ${re}` },
    );
  } catch (e) {
    throw new Error(`${/** @type {Error} */ (e).message}; texts seen: ${JSON.stringify(seen)}`);
  }
}

/** Clicks the element with this data-testid, waiting for it first. */
export async function click(s, testid, timeout = 15_000) {
  const el = await byTestId(s, testid, timeout);
  await el.click();
  return el;
}

/**
 * Replaces an input's value by typing, the way a trader would, and checks the result.
 * @param {Session} s @param {string} testid @param {string} text
 */
export async function typeInto(s, testid, text) {
  const el = await byTestId(s, testid);
  await el.clear().catch(() => {});
  let v = await el.property('value');
  if (v !== '') {
    // select all and delete, like a keyboard user
    await el.sendKeys('\uE009a\uE000\uE017'); // Ctrl down, a, release (null key), Delete
    v = await el.property('value');
  }
  await el.sendKeys(text);
  v = await el.property('value');
  if (v !== text) throw new Error(`typing "${text}" into ${testid} left "${v}"`);
  return el;
}

/**
 * A number in an element's text ("64,123.45 USDT" -> 64123.45), or null.
 * @param {string} text
 */
export function numberIn(text) {
  const m = text.replace(/[\u202f\u00a0 ]/g, '').match(/-?\d[\d,]*(?:\.\d+)?/);
  if (!m) return null;
  const n = Number(m[0].replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

/**
 * Saves a PNG screenshot: the page through WebDriver, or the whole X screen when that fails.
 * @param {Session|null} s @param {string} name file name without .png
 * @returns {Promise<string>} the file written
 */
export async function screenshot(s, name) {
  const file = path.join(config.artifacts, `${name}.png`);
  if (s) {
    try {
      // WebKit's screenshot is the last painted frame: let the page paint what the DOM now holds
      // (two animation frames), or a screenshot taken right after a wait can show the previous state.
      await s
        .executeAsync(
          `const done = arguments[0]; let sent = false; const once = () => { if (!sent) { sent = true; done(); } };
           requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(once, 50)));
           setTimeout(once, 1000); // a hidden window paints no frames`,
        )
        .catch(() => {});
      // WebKit answers a screenshot with the NEXT painted frame; a page where nothing changes
      // (History, Settings) paints none and the request times out. A 1x1 px, almost transparent
      // spot in the bottom-right corner changes colour for 3 s so that a frame always comes.
      await s
        .execute(
          `const d = document.createElement('div');
           d.setAttribute('aria-hidden', 'true');
           d.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647';
           document.body.appendChild(d);
           let n = 0;
           const t = setInterval(() => { n++; d.style.background = n % 2 ? 'rgba(0,0,0,0.01)' : 'rgba(0,0,0,0.02)'; }, 30);
           setTimeout(() => { clearInterval(t); d.remove(); }, 3000);`,
        )
        .catch(() => {});
      writeFileSync(file, await s.screenshot());
      return file;
    } catch {
      // fall back to the X screen
    }
  }
  await run('import', ['-window', 'root', file], { timeout: 20_000 });
  return file;
}

/** Saves the X screen (window placement, tray state), whatever the page shows. */
export async function screenshotScreen(name) {
  const file = path.join(config.artifacts, `${name}.png`);
  await run('import', ['-window', 'root', file], { timeout: 20_000 });
  return file;
}

/**
 * @typedef {{id: number, title: string, pid: number|null, viewable: boolean, geometry: number[], deletable: boolean}} XWindow
 * @returns {Promise<XWindow[]>}
 */
export async function x11Windows() {
  const { stdout } = await run('/usr/bin/python3', [config.x11win, 'list'], { timeout: 15_000 });
  return JSON.parse(stdout);
}

/**
 * The app's main window ("Keel", of this pid when the window says so).
 * @param {number} pid
 */
export async function mainWindow(pid) {
  const wins = (await x11Windows()).filter((w) => w.title === 'Keel' && (w.pid === null || w.pid === pid));
  return wins.find((w) => w.viewable) ?? wins[0] ?? null;
}

/**
 * Sends WM_DELETE_WINDOW to the app's window titled "Keel", as a window manager's close button.
 * @param {number} pid @param {string} [title]
 */
export async function requestClose(pid, title = 'Keel') {
  const { stdout } = await run('/usr/bin/python3', [config.x11win, 'close', title, String(pid)], { timeout: 15_000 });
  return Number(stdout.trim());
}

/** Writes a text artifact. @param {string} name @param {string} text */
export function saveText(name, text) {
  const file = path.join(config.artifacts, name);
  writeFileSync(file, text);
  return file;
}
