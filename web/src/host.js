// The engine host: owns the wasm module and the runs, and advances the active run in time slices.
// The same code runs inside the worker and, when no worker can be made, on the main thread.
import { loadEngine } from './engine.js';
import { fromHost, runState, toHost } from './protocol.js';

/** @typedef {import('./protocol.js').Outcome} Outcome */
/** @typedef {import('./protocol.js').CallMessage} CallMessage */
/** @typedef {import('./protocol.js').StartMessage} StartMessage */
/** @typedef {import('./protocol.js').StepMessage} StepMessage */
/** @typedef {import('./protocol.js').ToHostMessage} ToHostMessage */
/** @typedef {import('./protocol.js').FromHostMessage} FromHostMessage */

// A table lookup that ignores Object.prototype ('constructor', '__proto__' are not messages).
const own = (table, key) => typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key);

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

// Units per slice adapt so that one slice takes about targetMs of work.
export function adaptUnits(units, elapsedMs, targetMs) {
  if (elapsedMs < 1) return Math.min(units * 2, 1e6);
  const scaled = (units * targetMs) / elapsedMs;
  return Math.max(1, Math.min(Math.round(Math.min(Math.max(scaled, units / 2), units * 2)), 1e6));
}

// The wait between two live publishes: at least minMs, and long enough that a publish costing
// costMs (result JSON + posting it, + parsing it on the main thread) stays within `share` of the
// time spent, so publishing a large result cannot eat the training time (issue 8: <= 10%).
export function publishInterval(costMs, minMs, share) {
  const ms = Number.isFinite(costMs) && costMs > 0 ? costMs / share : 0;
  return Math.min(Math.max(minMs, ms), 10000);
}

// `defer(fn)` runs the next slice after the messages already queued: setTimeout by default (the
// main thread, where drawing must get its turn); a worker passes a MessageChannel-based one, since
// a chain of setTimeout(0) is clamped to >= 4 ms after five levels (10% of a 40 ms slice lost).
export function createHost(post, {
  targetMs = 40, postEveryMs = 100, publishShare = 0.05, engineOptions = {}, defer = /** @type {(fn: () => void) => void} */ ((fn) => { setTimeout(fn, 0); }),
} = {}) {
  let engine = null;
  const runs = new Map();
  const data = new Map();  // name -> Uint8Array: handed to every lab before it starts (provideData)
  let activeId = null;
  let scheduled = false;

  /** @type {(message: FromHostMessage, transfer?: Transferable[]) => void} */
  const send = (message, transfer = []) => post(message, transfer);

  // Posts the result as the core's JSON text; the page parses it once (runner.js).
  function publish(run) {
    const t0 = now();
    send({
      type: fromHost.update, runId: run.id, json: run.lab.resultJson(), progress: run.lab.progress(),
      state: run.state, units: run.units, elapsedMs: run.elapsedMs, publishMs: run.publishMs,
      postEveryMs: run.postEveryMs,
    });
    const cost = now() - t0;
    run.publishMs += cost;
    run.publishes += 1;
    // Smoothed, so that one slow publish (a GC pause) does not stall the live view.
    run.publishCost = run.publishes === 1 ? cost : 0.7 * run.publishCost + 0.3 * cost;
    run.postEveryMs = publishInterval(run.publishCost, postEveryMs, publishShare);
    run.lastPost = now();
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
    if (run.state === runState.done || now() - run.lastPost >= run.postEveryMs) publish(run);
    if (run.state === runState.running) schedule();
    else activeId = null;
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    defer(tick);
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

  /** @type {Record<CallMessage['fn'], (arg: any) => Outcome>} */
  const calls = {
    preset: (arg) => engine.preset(arg),
    validate: (arg) => engine.validate(arg),
    chapters: () => ({ ok: true, error: '', value: engine.chapters() }),
    provideData: (arg) => keepData(arg),
    heap: () => ({ ok: true, error: '', value: engine.heap() }),  // {used, total} bytes
    hasCells: () => ({ ok: true, error: '', value: engine.hasCells() }),
    cells: (arg) => engine.cells(arg),
    merge: (arg) => engine.merge(arg?.spec, arg?.results),
    resultJson: (arg) => {
      const run = runs.get(arg);
      return run ? { ok: true, error: '', value: run.lab.resultJson() } : { ok: false, error: `no run ${arg}`, value: null };
    },
  };

  /** @param {CallMessage} message */
  function call(message) {
    let outcome;
    if (!engine) outcome = { ok: false, error: 'engine not loaded', value: null };
    else if (own(calls, message.fn)) outcome = calls[message.fn](message.arg);
    else outcome = { ok: false, error: `unknown call ${message.fn}`, value: null };
    send({ type: fromHost.reply, reqId: message.reqId, outcome });
  }

  // Checks the name against the chapters' needs; the contents are checked when a run starts.
  function keepData(arg) {
    const name = String(arg?.name);
    const needed = engine.chapters().map((c) => engine.requiredData(c)).filter(Boolean);
    if (!needed.includes(name)) return { ok: false, error: `data name "${name}": must be one a chapter needs (${needed.join(', ')})`, value: null };
    if (!(arg.bytes instanceof Uint8Array)) return { ok: false, error: `data ${name}: bytes must be a Uint8Array`, value: null };
    data.set(name, arg.bytes);
    return { ok: true, error: '', value: null };
  }

  function start(message) {
    dispose(message.runId);
    const lab = engine.createLab();
    const run = {
      id: message.runId, lab, state: runState.paused, units: 4, elapsedMs: 0, lastPost: 0,
      publishMs: 0, publishes: 0, publishCost: 0, postEveryMs,
    };
    runs.set(run.id, run);
    for (const [name, bytes] of data) lab.provideData(name, bytes);
    const outcome = lab.start(message.spec);
    if (!outcome.ok) {
      fail(run, outcome.error);
      return;
    }
    if (message.paused) publish(run);
    else activate(run);
  }

  // Dispatch by message type. Messages before the engine is loaded: init and call (which answers
  // "engine not loaded" itself); start needs the engine; the rest act on an existing run, each
  // only in the states where it means something.
  /** @type {Record<string, (message: any) => void>} */
  const always = { [toHost.init]: init, [toHost.call]: call };
  /** @type {Record<string, (message: StartMessage) => void>} */
  const withEngine = { [toHost.start]: start };
  /** @type {Record<string, (run: any, message: any) => void>} */
  const onRun = {
    [toHost.resume](run) {
      if (run.state === runState.paused) activate(run);
    },
    [toHost.pause](run) {
      if (run.state !== runState.running) return;
      run.state = runState.paused;
      if (activeId === run.id) activeId = null;
      publish(run);
    },
    /** @param {StepMessage} message */
    [toHost.step](run, message) {
      if (run.state === runState.done || run.state === runState.failed) return;
      step(run, Math.min(Math.max(Number(message.fraction) || 0.01, 0.001), 1));
    },
    [toHost.cancel](run) {
      dispose(run.id);
    },
  };

  /** @param {ToHostMessage} message */
  return function handle(message) {
    if (!message || typeof message !== 'object') return;
    const type = message.type;
    if (own(always, type)) return always[type](message);
    if (!engine) {
      send({ type: fromHost.error, runId: /** @type {any} */ (message).runId, error: 'engine not loaded' });
      return;
    }
    if (own(withEngine, type)) return withEngine[type](/** @type {StartMessage} */ (message));
    const run = runs.get(/** @type {any} */ (message).runId);
    if (run && own(onRun, type)) onRun[type](run, message);
  };
}
