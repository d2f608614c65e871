// A pool of engine hosts for work made of independent runs (the cells of a sweep: seed x
// configuration x batch size). Each member is a runner from runner.js (a worker when one can be
// made); where only the main thread works the pool has one member. Cells come from the core's
// cells(spec) and their final results go back through merge(spec, results) in the cells' own
// order, so the merged numbers are the same bytes whatever the pool size or finishing order.
import { createRunner } from './runner.js';

/** @typedef {import('./runner.js').Runner} Runner */
/** @typedef {import('./protocol.js').RunId} RunId */
/** @typedef {import('./protocol.js').ResultJson} ResultJson */
/** @typedef {import('./protocol.js').ParsedUpdate} ParsedUpdate */
/**
 * How one run (or a whole sweep) ended: json is the result's JSON text, result the same parsed.
 * @typedef {{ ok: boolean, error: string, result: ResultJson, json: string | null,
 *             elapsedMs?: number, cancelled?: boolean, cellMs?: number[] }} RunOutcome
 */
/** @typedef {{ ok: false, error: string, cancelled?: boolean }} Failure */
/** A member and the tasks it holds (one running at most; the others paused). @typedef {{ runner: Runner, tasks: Set<Task> }} Slot */
/**
 * One run in the pool. `slot`: the member it started on (kept while paused: the run lives there);
 * `waiting`: resumed while its member is lent to another task.
 * @typedef {{ runId: RunId, spec: unknown, onUpdate?: (update: ParsedUpdate) => void,
 *             started: boolean, finished: boolean, paused: boolean, waiting: boolean,
 *             first: boolean, slot: Slot | null, promise: Promise<RunOutcome>,
 *             resolve: (outcome: RunOutcome) => void, unsubscribe?: () => void }} Task
 */
/** @typedef {{ promise: Promise<RunOutcome>, cancel: () => void, pause: () => void, resume: () => void }} RunHandle */

export const maxPoolSize = 4;

export function defaultPoolSize() {
  const cores = Number(globalThis.navigator?.hardwareConcurrency) || 1;
  return Math.max(1, Math.min(maxPoolSize, Math.floor(cores)));
}

let poolCounter = 0;

// createPool({size, moduleUrl, prefer}) -> pool. `prefer` is passed to createRunner (tests).
/**
 * @param {{ size?: number, moduleUrl?: string, prefer?: string | null,
 *           make?: (options: { prefer?: string | null, moduleUrl?: string }) => Promise<Runner> }} [options]
 */
export async function createPool({ size = defaultPoolSize(), moduleUrl, prefer = null, make = createRunner } = {}) {
  if (!Number.isInteger(size) || size < 1 || size > 16) throw new Error(`pool size must be a whole number in [1, 16], got ${size}`);
  const options = { prefer, ...(moduleUrl ? { moduleUrl } : {}) };
  const first = await make(options);
  const members = [first];
  // The main thread is one member at most: more copies there would only take turns.
  if (first.kind !== 'main-thread' && size > 1) {
    const rest = await Promise.allSettled(Array.from({ length: size - 1 }, () => make({ ...options, prefer: prefer || first.kind })));
    for (const r of rest) if (r.status === 'fulfilled') members.push(r.value);
  }
  const tag = `pool${++poolCounter}`;
  let taskCounter = 0;
  // A member runs one task at a time; a paused task keeps its run (and its progress) on its member
  // but lends the member to the queue, so a chapter paused in the background (the page pauses the
  // chapter it leaves) never holds up another chapter's runs. A task resumed while its member is
  // lent waits for the member to be free again (the host runs one run at a time).
  /** @type {Slot[]} */
  const free = members.map((runner) => ({ runner, tasks: new Set() }));
  /** @type {Task[]} */
  const queue = [];
  /** @param {Slot} slot @param {Task | null} [except] */
  const busy = (slot, except = null) => [...slot.tasks].some((t) => t !== except && !t.paused && !t.waiting);

  function dispatch() {
    for (const slot of free) {
      if (busy(slot)) continue;
      const waiting = [...slot.tasks].find((t) => t.waiting);
      if (waiting) {
        waiting.waiting = false;
        slot.runner.resume(waiting.runId);
        continue;
      }
      const task = queue.find((t) => !t.paused && !t.started);
      if (task) startTask(slot, task);
    }
  }

  /** @param {Slot} slot @param {Task} task */
  function startTask(slot, task) {
    task.started = true;
    task.slot = slot;
    slot.tasks.add(task);
    const { runner } = slot;
    task.unsubscribe = runner.onUpdate(async (message) => {
      if (message.runId !== task.runId || task.finished) return;
      if (message.type === 'error' || message.state === 'failed') {
        finish(task, { ok: false, error: ('error' in message && message.error) || 'the run failed' });
        return;
      }
      if (message.state === 'done') {
        task.finished = true;
        // The member takes the next queued run at once, before the result's text comes back (the
        // host keeps a finished run until it is cancelled): no idle round trip between two cells.
        slot.tasks.delete(task);
        dispatch();
        const json = await runner.resultJson(task.runId);
        release(task, slot);
        task.onUpdate?.(message);
        if (json.ok) task.resolve({ ok: true, error: '', result: message.result, json: json.value, elapsedMs: message.elapsedMs });
        else task.resolve({ ok: false, error: json.error, result: null, json: null });
        return;
      }
      task.onUpdate?.(message);
    });
    runner.start(task.runId, task.spec, { paused: false });
  }

  /** @param {Task} task @param {Slot | null} [slot] its member (when already taken off it) */
  function release(task, slot = task.slot) {
    task.unsubscribe?.();
    if (slot) {
      slot.runner.cancel(task.runId);
      slot.tasks.delete(task);
    }
    task.slot = null;
    task.waiting = false;
    const at = queue.indexOf(task);
    if (at >= 0) queue.splice(at, 1);
    dispatch();
  }

  /** @param {Task} task @param {Failure} outcome */
  function finish(task, outcome) {
    if (task.finished) return;
    task.finished = true;
    release(task);
    task.resolve({ result: null, json: null, ...outcome });
  }

  // One run on the next free member; updates stream to onUpdate. -> {promise, cancel, pause, resume}
  // `first`: ahead of the queued runs (the live view must not wait behind a sweep's cells).
  /**
   * @param {unknown} spec an object or JSON text
   * @param {{ onUpdate?: (update: ParsedUpdate) => void, first?: boolean }} [options]
   * @returns {RunHandle}
   */
  function run(spec, { onUpdate, first = false } = {}) {
    /** @type {(outcome: RunOutcome) => void} */
    let resolve = () => {};
    /** @type {Promise<RunOutcome>} */
    const promise = new Promise((r) => {
      resolve = r;
    });
    /** @type {Task} */
    const task = {
      runId: `${tag}-${++taskCounter}`, spec, onUpdate, started: false, finished: false, paused: false, waiting: false,
      first, slot: null, promise, resolve,
    };
    if (first) queue.splice(queue.findIndex((t) => !t.first && !t.started) >>> 0, 0, task);
    else queue.push(task);
    dispatch();
    return {
      promise: task.promise,
      cancel: () => finish(task, { ok: false, error: 'cancelled', cancelled: true }),
      pause() {
        if (task.finished || task.paused) return;
        task.paused = true;
        if (task.slot && !task.waiting) task.slot.runner.pause(task.runId);
        task.waiting = false;
        dispatch();  // its member may take the next queued task meanwhile
      },
      resume() {
        if (task.finished || !task.paused) return;
        task.paused = false;
        // Its member is running a task it was lent to: the resume waits until that one is done.
        if (task.slot && busy(task.slot, task)) task.waiting = true;
        else if (task.slot) task.slot.runner.resume(task.runId);
        dispatch();
      },
    };
  }

  const control = members[0];
  /** @type {Promise<boolean> | null} */
  let cellsAnswer = null;

  // A whole sweep through cells(spec) and merge(spec, results): onPartial(result, progress) as
  // cells finish (a partial merge), resolves {ok, error, json, result, cellMs} with the full merge
  // (cellMs: each cell's compute time in its member). Partial merges of finished cells come at most
  // one every `partialMs` and `partialSpacing` times a merge's own time apart, the latest cells
  // taken together: a merge runs on a member that is also running cells, and its cost grows with
  // the cells done (3b's 80 cells: ~10 ms + 0.6 ms per cell, so one per cell took about a tenth
  // of that member's time). partialMs 0: one after every finished cell. `live`: the cells'
  // running results go into the partial merges too, one at most every `liveMs` (and at least 3x a
  // merge's own time apart), and every finished cell is merged at once, so a chapter whose few
  // cells run side by side (images: one per net) keeps drawing.
  /**
   * @param {unknown} spec an object or JSON text
   * @param {{ onPartial?: (result: ResultJson, progress: number) => void, live?: boolean, liveMs?: number,
   *           partialMs?: number, partialSpacing?: number }} [options]
   * @returns {{ promise: Promise<RunOutcome>, cancel: () => void, pause: () => void, resume: () => void }}
   */
  function sweep(spec, { onPartial, live = false, liveMs = 250, partialMs = 250, partialSpacing = 8 } = {}) {
    let cancelled = false;
    let paused = false;
    /** @type {RunHandle[]} */
    const handles = [];
    // While paused, nothing reaches the page: a cell that finished just before the pause has its
    // partial merge (or the final one) held until resume, so a paused panel never changes.
    /** @type {Array<() => void>} */
    let waiters = [];
    let liveAgain = () => {};
    /** @returns {Promise<void>} */
    const whenRunning = () => (paused && !cancelled ? new Promise((resolve) => waiters.push(resolve)) : Promise.resolve());
    const wake = () => {
      const list = waiters;
      waiters = [];
      for (const resolve of list) resolve();
    };
    /** @type {Promise<RunOutcome>} */
    const promise = (async () => {
      const listed = await control.cells(spec);
      if (!listed.ok) return { ok: false, error: listed.error, json: null, result: null };
      /** @type {unknown[]} */
      const cells = Array.isArray(listed.value) ? listed.value : [];
      /** @type {Array<string | null>} */
      const texts = cells.map(() => null);
      // live: the latest running result of each unfinished cell (stringified when merged)
      /** @type {ResultJson[]} */
      const running = cells.map(() => null);
      const cellMs = cells.map(() => 0);
      const joined = () => `[${texts.map((t, i) => t ?? (running[i] ? JSON.stringify(running[i]) : 'null')).join(',')}]`;
      /** @type {string | null} */
      let failure = null;
      /** @type {Promise<void>} */
      let merging = Promise.resolve();
      let settled = false;  // the final merge is under way: no partial one may reach the page after it
      /** @returns {Promise<RunOutcome>} */
      let partialCost = 0;  // ms, the last partial merge's round trip
      const mergeNow = async () => {
        const merged = await control.merge(spec, joined());
        if (!merged.ok) return { ok: false, error: merged.error, json: null, result: null };
        const json = /** @type {string} */ (merged.value);  // ok: the merged result's text
        return { ok: true, error: '', json, result: JSON.parse(json) };
      };
      const partialMerge = async () => {
        if (cancelled || settled || !onPartial || texts.every((t) => t !== null)) return;
        const t0 = Date.now();
        const partial = await mergeNow();
        partialCost = Date.now() - t0;
        await whenRunning();
        if (partial.ok && !cancelled && !settled) onPartial(partial.result, partial.result?.progress ?? 0);
      };
      /** @type {ReturnType<typeof setTimeout> | null} */
      let liveTimer = null;
      let mergeMs = 0;
      let liveMerges = 0;
      const liveMerge = () => {
        if (liveTimer || cancelled || settled) return;
        // The first one at once: the chapter's first chart should not wait liveMs for nothing.
        liveTimer = setTimeout(() => {
          liveTimer = null;
          if (paused) return;  // resume() asks again
          liveMerges += 1;
          merging = merging.then(async () => {
            const t0 = Date.now();
            await partialMerge();
            mergeMs = Date.now() - t0;
          });
        }, liveMerges ? Math.max(liveMs, 3 * mergeMs) : 0);
      };
      // Finished cells' partial merges, throttled (see above): one waits at most, in flight or timed.
      /** @type {ReturnType<typeof setTimeout> | null} */
      let partialTimer = null;
      let partialBusy = false;
      let partialWanted = false;
      let lastPartialEnd = -Infinity;
      let lastPartialDone = 0;  // finished cells in the last partial merge: none new, none made
      const doneCount = () => texts.reduce((n, t) => n + (t === null ? 0 : 1), 0);
      const partialSoon = () => {
        partialWanted = true;
        if (partialTimer || partialBusy || cancelled || settled || !onPartial) return;
        const go = () => {
          partialTimer = null;
          partialWanted = false;
          partialBusy = true;
          merging = merging.then(() => {
            if (doneCount() <= lastPartialDone) return undefined;
            lastPartialDone = doneCount();
            return partialMerge();
          }).then(() => {
            partialBusy = false;
            lastPartialEnd = Date.now();
            if (partialWanted) partialSoon();
          });
        };
        const wait = lastPartialEnd + Math.max(partialMs, partialSpacing * partialCost) - Date.now();
        if (wait <= 0) go();  // the first one, or one long after the last: at once
        else partialTimer = setTimeout(go, wait);
      };
      const cellDone = live || partialMs <= 0
        ? () => {
          merging = merging.then(partialMerge);
        }
        : partialSoon;
      liveAgain = live ? liveMerge : () => {};
      await Promise.all(cells.map(async (cell, i) => {
        if (cancelled) return;
        const handle = run(cell, live ? {
          onUpdate(message) {
            if (!message.result || message.state === 'done' || texts[i] !== null) return;
            running[i] = message.result;
            liveMerge();
          },
        } : {});
        handles.push(handle);
        if (paused) handle.pause();
        const out = await handle.promise;
        if (cancelled) return;
        if (!out.ok) {
          failure ??= out.error;
          return;
        }
        texts[i] = out.json;
        running[i] = null;
        cellMs[i] = out.elapsedMs ?? 0;
        // Partial merges one after another, so the page never sees an older one last.
        cellDone();
      }));
      if (liveTimer) clearTimeout(liveTimer);
      liveTimer = null;
      if (partialTimer) clearTimeout(partialTimer);
      partialTimer = null;
      await merging;
      await whenRunning();
      settled = true;
      if (cancelled) return { ok: false, error: 'cancelled', cancelled: true, json: null, result: null };
      if (failure) {
        for (const h of handles) h.cancel();
        return { ok: false, error: failure, json: null, result: null };
      }
      return { ...(await mergeNow()), cellMs };
    })();
    return {
      promise,
      cancel() {
        cancelled = true;
        for (const h of handles) h.cancel();
        wake();
      },
      pause() {
        paused = true;
        for (const h of handles) h.pause();
      },
      resume() {
        paused = false;
        for (const h of handles) h.resume();
        wake();
        liveAgain();
      },
    };
  }

  return {
    size: members.length,
    kind: first.kind,
    run,
    sweep,
    // Data a chapter needs (images: the Fashion-MNIST bytes), handed to every member: each runs cells.
    /** @param {string} name @param {Uint8Array} bytes */
    async provideData(name, bytes) {
      const outcomes = await Promise.all(members.map((m) => m.provideData(name, bytes)));
      return outcomes.find((o) => !o?.ok) || outcomes[0];
    },
    // Asked once: every Run of a pooled chapter asks, and the answer (the engine's) cannot change;
    // the question waited for the member's slice (up to 40 ms) before each sweep's first cell.
    hasCells: () => {
      cellsAnswer ??= control.hasCells().then((out) => !!(out.ok && out.value));
      return cellsAnswer;
    },
    terminate() {
      for (const task of [...queue]) finish(task, { ok: false, error: 'pool closed', cancelled: true });
      for (const m of members) m.terminate();
    },
  };
}
