// A tiny W3C WebDriver client for tauri-driver / WebKitWebDriver.
//
// It uses Node's built-in fetch, whose default dispatcher keeps one HTTP/1.1 connection alive and
// reuses it for every command (the client never sends `Connection: close`: a client that did made
// about one run in ten fail on these machines, see docs in /work/shared/design/desktop-ci.md).
// New-session requests are retried on connection errors, because WebKitWebDriver sometimes drops
// the first connection while it launches the app.

/** The W3C element identifier key. */
export const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** An error answered by the WebDriver server (`{value: {error, message}}`). */
export class WebDriverError extends Error {
  /**
   * @param {string} error W3C error code, e.g. "no such element"
   * @param {string} message
   * @param {number} status HTTP status
   */
  constructor(error, message, status) {
    super(`${error}: ${message}`);
    this.name = 'WebDriverError';
    this.error = error;
    this.status = status;
  }
}

/** @param {unknown} e */
function isConnectionError(e) {
  const err = /** @type {any} */ (e);
  const code = err?.cause?.code ?? err?.code;
  return (
    err?.name === 'TypeError' /* fetch failed */ ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code)
  );
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends one WebDriver command.
 * @param {string} base e.g. http://127.0.0.1:4444
 * @param {'GET'|'POST'|'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {number} [timeoutMs]
 * @returns {Promise<any>} the `value` of the answer
 */
export async function wdRequest(base, method, path, body, timeoutMs = 120_000) {
  /** @type {RequestInit} */
  const init = {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (method === 'POST') init.body = JSON.stringify(body ?? {});
  const res = await fetch(base + path, init);
  const text = await res.text();
  /** @type {any} */
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new WebDriverError('invalid response', `${res.status} ${text.slice(0, 300)}`, res.status);
  }
  const value = json?.value;
  if (!res.ok || (value && typeof value === 'object' && 'error' in value && value.error)) {
    throw new WebDriverError(value?.error ?? `http ${res.status}`, value?.message ?? text.slice(0, 300), res.status);
  }
  return value;
}

/** Waits until the driver answers /status with ready=true. */
export async function waitForDriver(base, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await wdRequest(base, 'GET', '/status', undefined, 5_000);
      if (v?.ready !== false) return v;
      last = new Error(`driver not ready: ${JSON.stringify(v)}`);
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`WebDriver at ${base} did not answer within ${timeoutMs} ms: ${last}`);
}

/** One WebDriver session (one running app). */
export class Session {
  /**
   * @param {string} base
   * @param {string} id
   * @param {any} capabilities
   */
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }

  /**
   * Opens a session, retrying on connection errors.
   * @param {string} base
   * @param {Record<string, unknown>} alwaysMatch
   * @param {{attempts?: number, log?: (msg: string) => void}} [opts]
   */
  static async create(base, alwaysMatch, { attempts = 5, log = () => {} } = {}) {
    let last;
    for (let i = 1; i <= attempts; i++) {
      try {
        const v = await wdRequest(base, 'POST', '/session', { capabilities: { alwaysMatch } }, 120_000);
        return new Session(base, v.sessionId, v.capabilities);
      } catch (e) {
        last = e;
        if (!isConnectionError(e) && !(e instanceof WebDriverError && /session not created/.test(e.error) && i < 2)) {
          throw e;
        }
        log(`new session attempt ${i} failed (${e}); retrying`);
        await sleep(1_000 * i);
      }
    }
    throw last;
  }

  /**
   * @param {'GET'|'POST'|'DELETE'} method @param {string} path @param {unknown} [body]
   * @param {number} [timeoutMs] shorter than a step's timeout, so a stuck command fails the step
   */
  cmd(method, path, body, timeoutMs = 60_000) {
    return wdRequest(this.base, method, `/session/${this.id}${path}`, body, timeoutMs);
  }

  async delete() {
    try {
      await wdRequest(this.base, 'DELETE', `/session/${this.id}`, undefined, 30_000);
    } catch {
      // the app may already be gone (quit from the tray)
    }
  }

  /** @param {{script?: number, pageLoad?: number, implicit?: number}} t */
  setTimeouts(t) {
    return this.cmd('POST', '/timeouts', t);
  }

  title() {
    return this.cmd('GET', '/title');
  }

  /**
   * Runs a synchronous script (a returned promise is awaited by WebKit).
   * @param {string} script function body; arguments are in `arguments`
   * @param {unknown[]} [args]
   */
  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /**
   * Runs an asynchronous script: its last argument is the callback to call with the result.
   * @param {string} script
   * @param {unknown[]} [args]
   */
  executeAsync(script, args = []) {
    return this.cmd('POST', '/execute/async', { script, args });
  }

  /**
   * Calls a Tauri command through the page's own IPC client.
   * Resolves with the command's result; rejects with an Error carrying `code` for an AppError.
   * @param {string} command
   * @param {Record<string, unknown>} [args]
   */
  async invoke(command, args = {}) {
    const r = await this.executeAsync(
      `const [cmd, a, done] = arguments;
       window.__TAURI_INTERNALS__.invoke(cmd, a).then(
         (ok) => done({ ok: ok === undefined ? null : ok }),
         (err) => done({ err: typeof err === 'object' && err !== null ? err : { message: String(err) } }));`,
      [command, args],
    );
    if (r && 'err' in r) {
      const e = /** @type {Error & {code?: string}} */ (new Error(`${command} failed: ${r.err.code ?? ''} ${r.err.message ?? JSON.stringify(r.err)}`));
      e.code = r.err.code;
      throw e;
    }
    return r?.ok;
  }

  /** @param {string} css @returns {Promise<Element[]>} */
  async findAll(css) {
    const v = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return v.map((/** @type {any} */ ref) => new Element(this, ref[ELEMENT_KEY]));
  }

  /** @param {string} css @returns {Promise<Element|null>} */
  async find(css) {
    try {
      const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
      return new Element(this, v[ELEMENT_KEY]);
    } catch (e) {
      if (e instanceof WebDriverError && e.error === 'no such element') return null;
      throw e;
    }
  }

  /** @param {string} testid */
  byTestId(testid) {
    return this.find(`[data-testid="${testid}"]`);
  }

  /**
   * PNG of the viewport. WebKit never answers for a hidden window, hence the short timeout.
   * @returns {Promise<Buffer>}
   */
  async screenshot(timeoutMs = 15_000) {
    const b64 = await this.cmd('GET', '/screenshot', undefined, timeoutMs);
    return Buffer.from(b64, 'base64');
  }

  /** @returns {Promise<string>} the page's HTML */
  source() {
    return this.cmd('GET', '/source', undefined, 15_000);
  }
}

export class Element {
  /** @param {Session} session @param {string} id */
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }

  /** @param {'GET'|'POST'} method @param {string} path @param {unknown} [body] */
  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }

  click() {
    return this.cmd('POST', '/click', {});
  }

  clear() {
    return this.cmd('POST', '/clear', {});
  }

  /** @param {string} text */
  sendKeys(text) {
    return this.cmd('POST', '/value', { text });
  }

  /** @returns {Promise<string>} */
  text() {
    return this.cmd('GET', '/text');
  }

  /** @param {string} name @returns {Promise<string|null>} */
  attribute(name) {
    return this.cmd('GET', `/attribute/${encodeURIComponent(name)}`);
  }

  /** @param {string} name */
  property(name) {
    return this.cmd('GET', `/property/${encodeURIComponent(name)}`);
  }

  /** @returns {Promise<boolean>} */
  displayed() {
    return this.cmd('GET', '/displayed');
  }

  /** @returns {Promise<boolean>} */
  enabled() {
    return this.cmd('GET', '/enabled');
  }
}
