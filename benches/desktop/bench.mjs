// The measuring half of benches/desktop/run.sh (read its header). Runs inside xvfb-run and
// dbus-run-session; spawns $KEEL_APP directly (no WebDriver), so nothing but the app is measured.

import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const APP = process.env.KEEL_APP;
const OUT = process.env.BENCH_OUT ?? 'artifacts/bench';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_MS ?? 90_000);
const GOAL_START_MS = 1500;
const GOAL_PSS_MIB = 320;
const MINIMAL_TAURI_PSS_MIB = 267;

if (!APP) {
  console.error('bench: KEEL_APP is not set (run benches/desktop/run.sh)');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });

/** @param {number} pid @returns {{ppid: number, comm: string, state: string}|null} */
function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const rest = s.slice(close + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), comm };
  } catch {
    return null;
  }
}

/** @param {number} root @returns {number[]} root and all its living descendants */
function tree(root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = stat(Number(d));
    if (!st || st.state === 'Z') continue;
    const list = children.get(st.ppid) ?? [];
    list.push(Number(d));
    children.set(st.ppid, list);
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = /** @type {number} */ (todo.shift());
    if (!stat(p)) continue;
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}

/** @param {number} pid @returns {{rssKiB: number, pssKiB: number}|null} */
function rollup(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (/** @type {string} */ key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
    return { rssKiB: kib('Rss'), pssKiB: kib('Pss') };
  } catch {
    return null;
  }
}

/** @param {number} pid */
function cmdline(pid) {
  try {
    const c = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return path.basename(c[0] ?? '') + (c.length > 1 ? ` ${c.slice(1).join(' ')}` : '');
  } catch {
    return '';
  }
}

/**
 * Starts the app on a fresh data directory and waits for KEEL_UI_READY.
 * @param {number} run
 */
async function start(run) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'keel-bench-data-'));
  const xdg = path.join(process.env.BENCH_XDG_ROOT ?? tmpdir(), `run-${run}`);
  for (const d of ['data', 'config', 'cache']) mkdirSync(path.join(xdg, d), { recursive: true });
  const log = createWriteStream(path.join(OUT, `app-run${run}.log`));
  log.write(`bench: spawning ${APP} at ${new Date().toISOString()}\n`);
  const t0 = performance.now();
  const child = spawn(/** @type {string} */ (APP), [], {
    env: {
      ...process.env,
      KEEL_DATA_DIR: dataDir,
      XDG_DATA_HOME: path.join(xdg, 'data'),
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no KEEL_UI_READY within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      const wall = performance.now() - t0;
      log.write(chunk);
      buf += chunk.toString();
      const m = buf.match(/KEEL_UI_READY ms=(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ wallMs: wall, appMs: Number(m[1]) });
        buf = '';
      } else if (buf.length > 65536) {
        buf = buf.slice(-256);
      }
    });
    child.stderr.on('data', (chunk) => log.write(chunk));
    exited.then((/** @type {any} */ e) => {
      clearTimeout(timer);
      reject(new Error(`the app exited before KEEL_UI_READY (code ${e.code}, signal ${e.signal}); see ${OUT}/app-run${run}.log`));
    });
  });
  return { child, dataDir, exited, ready: /** @type {Promise<{wallMs: number, appMs: number}>} */ (ready), log };
}

/** Stops the app and waits until it and its WebKit processes are gone. */
async function stop(/** @type {Awaited<ReturnType<typeof start>>} */ r) {
  const pids = tree(/** @type {number} */ (r.child.pid));
  r.child.kill('SIGTERM');
  const done = await Promise.race([r.exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!done) r.child.kill('SIGKILL');
  await r.exited;
  for (let i = 0; i < 100 && pids.some((p) => stat(p) && stat(p)?.state !== 'Z'); i++) await sleep(100);
  for (const p of pids) if (stat(p) && stat(p)?.state !== 'Z') process.kill(p, 'SIGKILL');
  r.log.end();
  rmSync(r.dataDir, { recursive: true, force: true });
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (/** @type {number} */ kib) => kib / 1024;
const pad = (/** @type {unknown} */ s, /** @type {number} */ n) => String(s).padEnd(n);
const lpad = (/** @type {unknown} */ s, /** @type {number} */ n) => String(s).padStart(n);

const starts = [];
let memory = null;
let failed = false;
try {
  for (let run = 1; run <= RUNS; run++) {
    const r = await start(run);
    try {
      const ready = await r.ready;
      starts.push(ready);
      console.log(`cold start run ${run}: ${ready.wallMs.toFixed(0)} ms to KEEL_UI_READY (app: ${ready.appMs} ms)`);
      if (run === RUNS) {
        console.log(`idling ${IDLE_S} s with the Demo market streaming...`);
        await sleep(IDLE_S * 1000);
        const procs = tree(/** @type {number} */ (r.child.pid)).map((pid) => ({
          pid,
          name: stat(pid)?.comm ?? '?',
          cmd: cmdline(pid),
          ...(rollup(pid) ?? { rssKiB: 0, pssKiB: 0 }),
        }));
        const alive = r.child.exitCode === null && r.child.signalCode === null;
        if (!alive) throw new Error('the app exited during the idle period');
        memory = {
          procs,
          rssKiB: procs.reduce((a, p) => a + p.rssKiB, 0),
          pssKiB: procs.reduce((a, p) => a + p.pssKiB, 0),
        };
      }
    } finally {
      await stop(r);
    }
  }
} catch (e) {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  failed = true;
}

const startMedian = starts.length ? median(starts.map((s) => s.wallMs)) : NaN;
const appMedian = starts.length ? median(starts.map((s) => s.appMs)) : NaN;
const startOk = startMedian < GOAL_START_MS;
const pssOk = memory ? mib(memory.pssKiB) <= GOAL_PSS_MIB : false;

console.log('');
console.log(`Keel desktop benchmark: ${APP}`);
console.log(`${pad('figure', 46)}${lpad('value', 12)}   ${pad('goal', 34)}result`);
console.log('-'.repeat(104));
console.log(
  `${pad(`cold start to dashboard, median of ${starts.length}`, 46)}${lpad(`${startMedian.toFixed(0)} ms`, 12)}   ${pad(`< ${GOAL_START_MS} ms`, 34)}${starts.length ? (startOk ? 'ok' : 'MISSED') : 'n/a'}`,
);
console.log(`${pad('  (app-reported, from main)', 46)}${lpad(`${appMedian.toFixed(0)} ms`, 12)}`);
console.log(`${pad('  runs (wall ms)', 46)}${lpad(starts.map((s) => s.wallMs.toFixed(0)).join(' '), 12)}`);
if (memory) {
  console.log(
    `${pad(`PSS after ${IDLE_S} s idle, app + ${memory.procs.length - 1} children`, 46)}${lpad(`${mib(memory.pssKiB).toFixed(1)} MiB`, 12)}   ${pad(`<= ${GOAL_PSS_MIB} MiB (minimal Tauri: ${MINIMAL_TAURI_PSS_MIB})`, 34)}${pssOk ? 'ok' : 'MISSED'}`,
  );
  console.log(`${pad(`RSS after ${IDLE_S} s idle (double-counts shared)`, 46)}${lpad(`${mib(memory.rssKiB).toFixed(1)} MiB`, 12)}`);
  console.log('');
  console.log(`${lpad('pid', 8)}  ${pad('process', 18)}${lpad('RSS MiB', 9)}${lpad('PSS MiB', 9)}`);
  for (const p of memory.procs) {
    console.log(`${lpad(p.pid, 8)}  ${pad(p.name, 18)}${lpad(mib(p.rssKiB).toFixed(1), 9)}${lpad(mib(p.pssKiB).toFixed(1), 9)}`);
  }
} else {
  console.log(`${pad('PSS after idle', 46)}${lpad('n/a', 12)}`);
}

const result = {
  app: APP,
  when: new Date().toISOString(),
  coldStart: { runs: starts, medianWallMs: startMedian, medianAppMs: appMedian, goalMs: GOAL_START_MS, ok: startOk },
  memory: memory && {
    idleSeconds: IDLE_S,
    pssMiB: mib(memory.pssKiB),
    rssMiB: mib(memory.rssKiB),
    goalPssMiB: GOAL_PSS_MIB,
    ok: pssOk,
    processes: memory.procs.map((p) => ({ pid: p.pid, name: p.name, cmd: p.cmd, rssMiB: mib(p.rssKiB), pssMiB: mib(p.pssKiB) })),
  },
};
writeFileSync(path.join(OUT, 'desktop.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`\nwritten ${path.join(OUT, 'desktop.json')}`);

if (failed) process.exit(1);
if (process.env.BENCH_ENFORCE === '1' && !(startOk && pssOk)) process.exit(3);
