// The engine host: owns the wasm module and the runs, and advances the active run in time slices.
// The same code runs inside the worker and, when no worker can be made, on the main thread.
import { loadEngine } from './engine.js';
import { fromHost, runState, toHost } from './protocol.js';
import { transferables } from './unpack.js';

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

// Units per slice adapt so that one slice takes about targetMs of work.
export function adaptUnits(units, elapsedMs, targetMs) {
  if (elapsedMs < 1) return Math.min(units * 2, 1e6);
  const scaled = (units * targetMs) / elapsedMs;
  return Math.max(1, Math.min(Math.round(Math.min(Math.max(scaled, units / 2), units * 2)), 1e6));
}

export function createHost(post, { targetMs = 40, postEveryMs = 100, engineOptions = {} } = {}) {
  let engine = null;
  const runs = new Map();
  let activeId = null;
  let scheduled = false;

  const send = (message, transfer = []) => post(message, transfer);

  function publish(run) {
    const packed = run.lab.packed();
    run.lastPost = now();
    send({
      type: fromHost.update, runId: run.id, packed, progress: run.lab.progress(), state: run.state,
      units: run.units, elapsedMs: run.elapsedMs,
    }, transferables(packed));
  }

  function fail(run, error) {
    run.state = runState.failed;
    if (activeId === run.id) activeId = null;
    send({ type: fromHost.error, runId: run.id, error });
  }

  // One slice; returns false when the run cannot go on.
  function slice(run) {
    const t0 = now();
    const outcome = run.lab.advance(run.units);
    const dt = now() - t0;
    run.elapsedMs += dt;
    run.units = adaptUnits(run.units, dt, targetMs);
    if (!outcome.ok) {
      fail(run, outcome.error);
      return false;
    }
    if (run.lab.done()) run.state = runState.done;
    return true;
  }

  function tick() {
    scheduled = false;
    const run = runs.get(activeId);
    if (!run || run.state !== runState.running) return;
    if (!slice(run)) return;
    if (run.state === runState.done || now() - run.lastPost >= postEveryMs) publish(run);
    if (run.state === runState.running) schedule();
    else activeId = null;
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setTimeout(tick, 0);
  }

  function pauseOthers(id) {
    for (const run of runs.values()) {
      if (run.id !== id && run.state === runState.running) {
        run.state = runState.paused;
        publish(run);
      }
    }
  }

  function activate(run) {
    pauseOthers(run.id);
    run.state = runState.running;
    activeId = run.id;
    schedule();
  }

  function step(run, fraction) {
    pauseOthers(run.id);
    if (activeId === run.id) activeId = null;
    const start = run.lab.progress();
    const t0 = now();
    run.state = runState.paused;
    while (now() - t0 < 1000) {
      if (!slice(run)) return;
      if (run.state === runState.done || run.lab.progress() >= start + fraction) break;
    }
    publish(run);
  }

  function dispose(id) {
    const run = runs.get(id);
    if (!run) return;
    run.lab.cancel();
    run.lab.dispose();
    runs.delete(id);
    if (activeId === id) activeId = null;
  }

  async function init(message) {
    try {
      engine = await loadEngine({ moduleUrl: message.moduleUrl, ...engineOptions });
      send({ type: fromHost.ready, chapters: engine.chapters() });
    } catch (error) {
      send({ type: fromHost.failed, error: String(error?.message || error) });
    }
  }

  function call(message) {
    let outcome;
    if (!engine) outcome = { ok: false, error: 'engine not loaded', value: null };
    else if (message.fn === 'preset') outcome = engine.preset(message.arg);
    else if (message.fn === 'validate') outcome = engine.validate(message.arg);
    else if (message.fn === 'chapters') outcome = { ok: true, error: '', value: engine.chapters() };
    else if (message.fn === 'heap') outcome = { ok: true, error: '', value: engine.heap() };  // {used, total} bytes
    else outcome = { ok: false, error: `unknown call ${message.fn}`, value: null };
    send({ type: fromHost.reply, reqId: message.reqId, outcome });
  }

  function start(message) {
    dispose(message.runId);
    const lab = engine.createLab();
    const run = { id: message.runId, lab, state: runState.paused, units: 4, elapsedMs: 0, lastPost: 0 };
    runs.set(run.id, run);
    const outcome = lab.start(message.spec);
    if (!outcome.ok) {
      fail(run, outcome.error);
      return;
    }
    if (message.paused) publish(run);
    else activate(run);
  }

  return function handle(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === toHost.init) return init(message);
    if (message.type === toHost.call) return call(message);
    if (!engine) {
      send({ type: fromHost.error, runId: message.runId, error: 'engine not loaded' });
      return;
    }
    if (message.type === toHost.start) return start(message);
    const run = runs.get(message.runId);
    if (!run) return;
    if (message.type === toHost.resume && run.state === runState.paused) activate(run);
    else if (message.type === toHost.pause && run.state === runState.running) {
      run.state = runState.paused;
      if (activeId === run.id) activeId = null;
      publish(run);
    } else if (message.type === toHost.step && run.state !== runState.done && run.state !== runState.failed) {
      step(run, Math.min(Math.max(Number(message.fraction) || 0.01, 0.001), 1));
    } else if (message.type === toHost.cancel) dispose(run.id);
  };
}
