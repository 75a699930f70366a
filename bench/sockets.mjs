// Thousands of Socket.IO clients for bench/serving_bench.py, with Node's socket.io-client (the
// browsers' own client library, not the thing measured). Reads one JSON command per line on stdin,
// answers one JSON line per command on stdout:
//
//   {"op": "connect", "url", "screens": n, "screen_auth": {...}, "pages": [{"ticket", "address"}...]}
//       -> {"screens_ok", "pages_ok", "pages_busy", "pages_failed", "seconds"}
//   {"op": "calls", "n", "call": {"url", "headers"}, "issue": {"url", "headers", "body"}, "finish": "<url>"}
//       issue a ticket, call next, wait until every screen has heard ticket.called for that number
//       -> {"latencies_ms": [per screen per call], "missing": count}
//   {"op": "emit", "n", "url"}: the bare reference app: POST url makes it send one event to all
//   {"op": "watch"}: -> {"disconnected_screens", "reconnected_screens"} so far
//   {"op": "close"}
import { createRequire } from "node:module";
import readline from "node:readline";

const require = createRequire(import.meta.url);
const { io } = require("socket.io-client");

let screens = [];
let pages = [];
const heard = new Map(); // number -> Map(screen index -> arrival, performance.now())
const waiters = new Map(); // number -> {need, done}
let disconnected = 0, reconnected = 0;

function out(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

function open(url, auth, address) {
  return new Promise((resolve) => {
    const opts = { auth, transports: ["websocket"], reconnection: false, timeout: 10000, forceNew: true };
    if (address) opts.localAddress = address;
    const s = io(url, opts);
    s.on("connect", () => resolve({ s, ok: true }));
    s.on("connect_error", (err) => {
      const busy = !!(err && err.data && err.data.code === "busy");
      s.close();
      resolve({ s, ok: false, busy });
    });
  });
}

async function inBatches(items, size, fn) {
  const res = [];
  for (let i = 0; i < items.length; i += size) res.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return res;
}

async function connect(cmd) {
  const t0 = performance.now();
  const screenRes = await inBatches([...Array(cmd.screens).keys()], 100, async (i) => {
    const r = await open(cmd.url, cmd.screen_auth, null);
    if (r.ok) {
      r.s.io.opts.reconnection = true; // screens come back by themselves, as the real ones do
      r.s.io.reconnection(true);
      r.s.io.reconnectionDelay(200);
      r.s.io.reconnectionDelayMax(1000);
      r.s.on("disconnect", () => { disconnected++; });
      r.s.io.on("reconnect", () => { reconnected++; });
      const hear = (p) => {
        const number = p && p.ticket && p.ticket.number;
        if (!number) return;
        if (!heard.has(number)) heard.set(number, new Map());
        const got = heard.get(number);
        if (!got.has(i)) got.set(i, performance.now());
        const w = waiters.get(number);
        if (w && got.size >= screens.length) w.done();
      };
      r.s.on("ticket.called", hear);
      r.s.on("bench", hear);
    }
    return r;
  });
  screens = screenRes.filter((r) => r.ok).map((r) => r.s);
  const pageRes = await inBatches(cmd.pages || [], 200, (p) => open(cmd.url, { ticket: p.ticket }, p.address));
  pages = pageRes.filter((r) => r.ok).map((r) => r.s);
  out({
    screens_ok: screens.length,
    pages_ok: pages.length,
    pages_busy: pageRes.filter((r) => !r.ok && r.busy).length,
    pages_failed: pageRes.filter((r) => !r.ok && !r.busy).length,
    seconds: (performance.now() - t0) / 1000,
  });
}

async function post(url, headers, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...(headers || {}) },
                               body: JSON.stringify(body || {}) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

// until every screen has heard `number` (or `ms` have passed): each screen's delay after t0
function waitAll(number, t0, ms) {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      waiters.delete(number);
      const got = heard.get(number) || new Map();
      heard.delete(number);
      resolve([...got.values()].map((t) => t - t0));
    };
    const timer = setTimeout(finish, ms);
    waiters.set(number, { done: finish });
    if ((heard.get(number) || new Map()).size >= screens.length) finish();
  });
}

async function calls(cmd) {
  const lat = [];
  let missing = 0, failed = 0;
  for (let k = 0; k < cmd.n; k++) {
    const issued = await post(cmd.issue.url, cmd.issue.headers, cmd.issue.body);
    if (issued.status !== 201) { failed++; continue; }
    const t0 = performance.now();
    const called = await post(cmd.call.url, cmd.call.headers, {});
    if (called.status !== 200) { failed++; continue; }
    const got = await waitAll(called.body.number, t0, 5000);
    lat.push(...got);
    missing += screens.length - got.length;
    await post(cmd.finish.replace("{id}", called.body.id), cmd.call.headers, {});
    await new Promise((r) => setTimeout(r, 50));
  }
  out({ latencies_ms: lat, missing, failed });
}

async function emit(cmd) {
  const lat = [];
  let missing = 0;
  for (let k = 0; k < cmd.n; k++) {
    const number = "R" + k;
    const t0 = performance.now();
    await post(cmd.url, {}, { number });
    const got = await waitAll(number, t0, 5000);
    lat.push(...got);
    missing += screens.length - got.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  out({ latencies_ms: lat, missing });
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const cmd = JSON.parse(line);
  try {
    if (cmd.op === "connect") await connect(cmd);
    else if (cmd.op === "calls") await calls(cmd);
    else if (cmd.op === "emit") await emit(cmd);
    else if (cmd.op === "watch") out({ disconnected_screens: disconnected, reconnected_screens: reconnected });
    else if (cmd.op === "close") {
      for (const s of [...screens, ...pages]) s.close();
      out({ closed: true });
      process.exit(0);
    }
  } catch (e) {
    out({ error: String(e && e.stack || e) });
  }
});
