// The run logic of one chapter's panel, without the DOM (ui/panel.js draws what it says): the
// chapter's settings, its run's state (idle -> running <-> paused -> done | failed), which engine
// path a run takes (the one runner, or the pool's sweep of cells), Run / Pause / Step / Reset,
// the live view's runs (debounced, side by side on the pool), and the draw throttles.
//
// Everything the page shows goes through a `view` (RunView below); every engine call through the
// runner (runner.js) or the pool (pool.js); every timer through a `clock`. Tests give stand-ins for
// all three (tests/js/run-control.test.js).
//
// Run ids are strings here (`${chapter.id}-${n}`), as pool.js's task ids are; protocol.js's message
// types say number (issue 18), so the update shape the panel reads is declared below (RunUpdate).
import { defaultsFrom, specFrom } from './state.js';
import { pct } from './format.js';

/** @typedef {'idle' | 'running' | 'paused' | 'done' | 'failed'} RunState */

/**
 * An update of a run as the panel sees it: runner.js has parsed the result JSON into `result`; a
 * `type: 'error'` message or `state: 'failed'` carries `error`.
 * @typedef {{ runId: string, type?: string, state?: RunState, progress?: number, result?: any,
 *             elapsedMs?: number, error?: string }} RunUpdate
 */

/** @typedef {{ ok: boolean, error: string, value?: any }} CallOutcome */

/**
 * The engine host (runner.js's createRunner), as used here.
 * @typedef {object} RunnerLike
 * @property {string} [kind]  'worker' | 'blob-worker' | 'main-thread'
 * @property {(spec: any) => Promise<CallOutcome>} validate
 * @property {(runId: string, spec: any, options?: { paused?: boolean }) => void} start
 * @property {(runId: string) => void} pause
 * @property {(runId: string) => void} resume
 * @property {(runId: string, fraction?: number) => void} step
 * @property {(runId: string) => void} cancel
 * @property {(fn: (message: any) => void) => unknown} onUpdate
 * @property {(name: string, bytes: Uint8Array) => Promise<{ ok: boolean, error?: string } | null | undefined>} provideData
 */

/**
 * A handle on a sweep or a run on the pool (pool.js).
 * @typedef {{ promise: Promise<any>, cancel: () => void, pause: () => void, resume: () => void }} TaskHandle
 */

/**
 * The worker pool (pool.js's createPool), as used here.
 * @typedef {object} PoolLike
 * @property {number} size
 * @property {() => Promise<boolean>} hasCells
 * @property {(spec: any, options: { live?: boolean, onPartial?: (result: any, progress: number) => void }) => TaskHandle} sweep
 * @property {(spec: any, options: { first?: boolean, onUpdate?: (message: any) => void }) => TaskHandle} run
 * @property {(name: string, bytes: Uint8Array) => Promise<{ ok: boolean, error?: string } | null | undefined>} provideData
 */

/**
 * A control's declaration (chapters/*.js; chapter-types.d.ts).
 * @typedef {import('./chapters/chapter-types').Control} ControlDecl
 */

/**
 * A chapter's live view (see ui/panel.js): specs run side by side on the pool, then drawn.
 * @typedef {{ specs: (spec: any, values: Values) => any[], visit?: (parts: any[], values: Values) => ({ key: any, [field: string]: any } | null | undefined),
 *             pending?: (values: Values) => string | undefined, debounceMs?: number, [field: string]: any }} LiveDecl
 */

/**
 * A chapter module (chapters/*.js), as chapter-types.d.ts declares it.
 * @typedef {import('./chapters/chapter-types').ChapterModule} ChapterLike
 */

/** @typedef {Record<string, any>} Values */

/**
 * What the panel draws on the run logic's word. Called in the order the page needs them; the view
 * reads the state, values and result back through the control's getters.
 * @typedef {object} RunView
 * @property {(state: RunState) => void} setState  the buttons, data-state and the page's onRunState
 * @property {(fraction: number, text: string) => void} progress  the bar and its text
 * @property {(message: string) => void} showError  one line: the run cannot start or failed
 * @property {() => void} hideError
 * @property {(result: any) => void} draw  render the chapter (null: the precomputed run or visits only)
 * @property {() => void} newRun  empty charts for a new run
 * @property {() => void} clearCharts  empty charts, the run cleared (progress note for readers too)
 * @property {(reason: 'settings' | 'reset') => void} idle  the takeaway's message once a run is cleared
 * @property {(paused: boolean) => void} started  a run the student started: said aloud
 * @property {(size: number | null) => void} pool  the sweep runs on a pool of this size (null: the runner)
 * @property {(result: any, values: Values | null) => void} scored  a run finished: the prediction's measurement
 * @property {() => void} finished  a run reached done
 * @property {() => void} keepPrevious  settings changed: the run on the charts becomes the previous one
 * @property {() => void} forgetPrevious  Reset: no previous run any more
 * @property {(values: Values) => void} valuesChanged  settings the page should remember (URL hash)
 * @property {(values: Values) => void} showValues  the controls show these values
 * @property {(status: 'running' | 'failed' | 'done') => void} liveStatus
 * @property {(text: string | null) => void} liveError  one line, or null to hide it
 * @property {(text: string) => void} liveMessage  the live takeaway's message while its nets train
 * @property {(parts: any[], done: boolean, values: Values) => void} liveDraw
 * @property {(info: { ms: number, key: string }) => void} liveFinished  key: the visit's key ('' when none)
 */

/**
 * @typedef {{ now: () => number, setTimeout: (fn: () => void, ms: number) => any,
 *             clearTimeout: (timer: any) => void }} Clock
 */

/** @type {Clock} */
export const realClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

/** @typedef {{ lastEnd: number, lastMs: number, now: number }} DrawTiming */

// Intermediate results are drawn at most about a third of the time: a redraw that takes d ms waits
// at least 2d (and 100 ms) after the last one ended, so a busy machine still answers clicks and keys.
/** @param {DrawTiming} t */
export const spacedWait = ({ lastEnd, lastMs, now }) => Math.max(0, lastEnd + Math.max(100, 2 * lastMs) - now);
// The live view's: the first partial result at once, then 2d (at least 100 ms) after it asks.
/** @param {DrawTiming} t */
export const liveWait = ({ lastMs }) => (lastMs > 0 ? Math.max(100, 2 * lastMs) : 0);

/**
 * A draw that measures itself, and a timer that coalesces the asks for the next one: `soon(fire)`
 * while a draw is pending does nothing; `now(...)` draws at once (and drops the pending one).
 * @template {any[]} A
 * @param {{ draw: (...args: A) => void, wait?: (t: DrawTiming) => number, clock?: Clock }} options
 */
export function createDrawThrottle({ draw, wait = spacedWait, clock = realClock }) {
  /** @type {any} */
  let timer = null;
  let lastEnd = 0;
  let lastMs = 0;
  const cancel = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };
  return {
    get pending() {
      return timer !== null;
    },
    get lastMs() {
      return lastMs;
    },
    /** @param {A} args */
    now(...args) {
      cancel();
      const t0 = clock.now();
      try {
        draw(...args);
      } finally {
        lastEnd = clock.now();
        lastMs = lastEnd - t0;
      }
    },
    /** @param {() => void} fire */
    soon(fire) {
      if (timer !== null) return;
      timer = clock.setTimeout(() => {
        timer = null;
        fire();
      }, wait({ lastEnd, lastMs, now: clock.now() }));
    },
    cancel,
  };
}

let runCounter = 0;
/** @param {string} chapterId */
const nextRunId = (chapterId) => `${chapterId}-${++runCounter}`;

/** The progress text of an update: "Running: 40% · 1.2 s of compute". @param {RunUpdate} message */
export function progressText(message) {
  const rate = (message.elapsedMs ?? 0) > 0 ? ` · ${((message.elapsedMs ?? 0) / 1000).toFixed(1)} s of compute` : '';
  const label = message.state === 'done' ? 'Done' : message.state === 'paused' ? 'Paused' : 'Running';
  return `${label}: ${pct(message.progress, 0)}${rate}`;
}

/**
 * A chapter's live view, its runs: a change of one of its controls cancels the runs going on at
 * once (their late updates must not draw with the new values) and starts new ones, side by side on
 * the pool, when the control has been still for the debounce time. Partial results are drawn
 * through their own throttle (liveWait); the last drawing has them all, done.
 * @param {LiveDecl} live
 * @param {{ runner: RunnerLike, getPool?: () => Promise<PoolLike | null | undefined>, view: RunView, clock: Clock,
 *           reducedMotion: boolean, current: () => { values: Values, spec: any },
 *           visited: (visit: { key: any, [field: string]: any } | null | undefined) => void }} options
 */
export function createLiveRuns(live, { runner, getPool, view, clock, reducedMotion, current, visited }) {
  /** @type {any} */
  let timer = null;
  let seq = 0;
  /** @type {TaskHandle[]} */
  let handles = [];
  let started = false;
  // Paused with the chapter (the page pauses the chapter it leaves): the runs keep their progress
  // and lend their members to the chapter on screen (pool.js), and go on when it opens again.
  let paused = false;
  const throttle = createDrawThrottle({
    draw: (/** @type {any[]} */ parts, /** @type {boolean} */ done, /** @type {Values} */ at) => view.liveDraw(parts, done, at),
    wait: liveWait,
    clock,
  });

  function cancel() {
    for (const handle of handles) handle.cancel();
    handles = [];
  }

  /** Runs the live specs of the current values on the pool, unless a newer schedule() came first. @param {number} mine */
  async function start(mine) {
    if (mine !== seq) return;
    const { values: at, spec } = current();
    const specs = live.specs(spec, at);
    const t0 = clock.now();
    view.liveStatus('running');
    const check = await runner.validate(specs[0]);
    if (mine !== seq) return;
    if (!check.ok) {
      view.liveError(`Cannot run: ${check.error}`);
      view.liveStatus('failed');
      return;
    }
    view.liveError(null);
    const pool = await getPool?.();
    if (mine !== seq) return;
    if (!pool) {
      view.liveError('No engine host is free for the live view.');
      view.liveStatus('failed');
      return;
    }
    /** @type {any[]} */
    const parts = specs.map(() => null);
    started = true;
    view.liveMessage(live.pending?.(at) || 'Training…');
    const outcomes = await Promise.all(specs.map((one, i) => {
      const handle = pool.run(one, {
        first: true,
        onUpdate(/** @type {RunUpdate} */ message) {
          if (mine !== seq || !message.result) return;
          parts[i] = message.result;
          if (reducedMotion || message.state === 'done') return;
          throttle.soon(() => {
            if (mine === seq) throttle.now(parts, false, at);
          });
        },
      });
      handles.push(handle);
      if (paused) handle.pause();
      return handle.promise;
    }));
    if (mine !== seq) return;
    const failed = outcomes.find((o) => !o.ok);
    if (failed) {
      view.liveError(`The live run failed: ${failed.error}`);
      view.liveStatus('failed');
      return;
    }
    outcomes.forEach((o, i) => {
      parts[i] = o.result;
    });
    handles = [];
    throttle.now(parts, true, at);
    const visit = live.visit?.(parts, at);
    visited(visit);
    view.liveFinished({ ms: Math.round(clock.now() - t0), key: visit ? String(visit.key) : '' });
    view.liveStatus('done');
  }

  return {
    /** The live view has started its runs at least once (a pool was there). */
    get started() {
      return started;
    },
    /** @param {number} [delay]  ms the controls must be still; the chapter's debounceMs by default */
    schedule(delay = live.debounceMs ?? 150) {
      const mine = ++seq;
      paused = false;  // a control moved: the student is here
      cancel();
      clock.clearTimeout(timer);
      timer = clock.setTimeout(() => start(mine), delay);
    },
    pause() {
      paused = true;
      for (const handle of handles) handle.pause();
    },
    resume() {
      if (!paused) return;
      paused = false;
      for (const handle of handles) handle.resume();
    },
  };
}

/**
 * @param {ChapterLike} chapter
 * @param {{ runner: RunnerLike, preset: any, view: RunView, getPool?: () => Promise<PoolLike | null | undefined>,
 *           reducedMotion?: boolean, clock?: Clock }} options
 */
export function createRunControl(chapter, { runner, preset, view, getPool, reducedMotion = false, clock = realClock }) {
  const defaults = defaultsFrom(chapter.controls, preset);
  /** @type {Values} */
  let values = { ...defaults };
  /** @type {string | null} */
  let runId = null;
  /** @type {RunState} */
  let state = 'idle';
  /** @type {any} */
  let lastResult = null;
  /** @type {RunUpdate | null} */
  let lastUpdate = null;
  /** @type {TaskHandle | null} */
  let sweepHandle = null;
  /** @type {string | null} */
  let sweepJson = null;
  // A run the page started by itself (on open): quiet, and a user's Run takes it over.
  let autoRun = false;
  // Locked by the host page (embed options or disable()): no run starts, no button acts.
  let locked = false;
  /** @type {Values | null} the settings of the run on the charts */
  let runValues = null;
  /** @type {Map<any, any>} what the live view has visited (passed to chapter.render) */
  const visits = new Map();

  const viewKeys = new Set(chapter.controls.filter((c) => c.view).map((c) => c.key));
  const liveKeys = new Set(chapter.controls.filter((c) => c.live).map((c) => c.key));
  const sweepControls = chapter.controls.filter((c) => !c.live);

  const mainDraw = createDrawThrottle({ draw: (/** @type {any} */ result) => view.draw(result), clock });
  const draw = (/** @type {any} */ result) => mainDraw.now(result);
  const drawSoon = () => mainDraw.soon(() => {
    if (lastResult) draw(lastResult);
  });

  /** @param {RunState} next */
  function setState(next) {
    state = next;
    view.setState(next);
  }

  function spec() {
    return specFrom(preset, sweepControls, values);
  }

  function cancelRun() {
    if (sweepHandle) sweepHandle.cancel();
    sweepHandle = null;
    if (runId) runner.cancel(runId);
  }

  // The pool this run goes to, or null for the one runner (stepping always uses the runner).
  /** @param {boolean} paused */
  async function poolFor(paused) {
    const pooling = chapter.pooled === true ? {} : chapter.pooled;
    if (paused || !pooling) return null;
    const minSize = pooling.minSize ?? 1;
    if (minSize > 1 && runner?.kind === 'main-thread') return null;  // no workers: no side by side
    const pool = await getPool?.();
    if (!pool || pool.size < minSize || !(await pool.hasCells())) return null;
    return pool;
  }

  /** @param {string} message */
  function fail(message) {
    view.showError(message);
    setState('failed');
  }

  async function start({ paused = false, auto = false } = {}) {
    const pool = await poolFor(paused);
    // A chapter on real data fetches it first (once) and hands it to whatever runs it (the runner or
    // every member of the pool); `prepare` returns null or the message to show.
    const problem = chapter.prepare ? await chapter.prepare(pool || runner) : null;
    if (problem) {
      fail(problem);
      return false;
    }
    const wanted = spec();
    const check = await runner.validate(wanted);
    if (!check.ok) {
      fail(check.error);
      return false;
    }
    view.hideError();
    cancelRun();
    const id = nextRunId(chapter.id);
    runId = id;
    autoRun = auto;
    lastResult = null;
    sweepJson = null;
    runValues = values;
    view.newRun();
    if (visits.size) draw(null);
    setState(paused ? 'paused' : 'running');
    view.progress(0, paused ? 'Ready to step' : 'Starting…');
    // A run the page starts by itself leaves the status line alone ("Ready…" stays readable).
    if (!auto) view.started(paused);
    if (pool) {
      const t0 = clock.now();
      const handle = pool.sweep(wanted, {
        live: typeof chapter.pooled === 'object' && !!chapter.pooled.live,
        onPartial: (result, progress) => onUpdate({ runId: id, state: 'running', progress, result, elapsedMs: clock.now() - t0 }),
      });
      sweepHandle = handle;
      view.pool(pool.size);
      handle.promise.then((out) => {
        if (runId !== id || out.cancelled) return;
        sweepHandle = null;
        if (!out.ok) onUpdate({ runId: id, state: 'failed', error: out.error });
        else {
          sweepJson = out.json;
          onUpdate({ runId: id, state: 'done', progress: 1, result: out.result, elapsedMs: clock.now() - t0 });
        }
      });
    } else {
      view.pool(null);
      runner.start(id, wanted, { paused });
    }
    return true;
  }

  // Back to an idle panel with no result (the run cancelled, empty charts), saying why.
  /** @param {'settings' | 'reset'} reason */
  function clearRun(reason) {
    cancelRun();
    runId = null;
    autoRun = false;
    lastResult = null;
    runValues = null;
    view.clearCharts();
    setState('idle');
    view.progress(0, reason === 'settings' ? 'Settings changed: press Run' : 'Not started');
    view.idle(reason);
  }

  // The run on the charts stays, faded, as the previous run (the charts show what to compare with).
  function settingsChanged() {
    view.keepPrevious();
    clearRun('settings');
    view.valuesChanged(values);
  }

  /** @param {RunUpdate} message */
  function onUpdate(message) {
    if (message.runId !== runId) return;  // a cancelled or replaced run's late word
    if (message.state === 'failed' || message.type === 'error') {
      view.showError(message.error || 'the run failed');
      setState('failed');
      view.progress(lastUpdate?.progress || 0, 'Failed');
      return;
    }
    lastUpdate = message;
    if (message.result) {
      lastResult = message.result;
      if (message.state === 'done') {
        draw(message.result);
        view.scored(message.result, runValues);
      }
      // Under prefers-reduced-motion a run the page started by itself is computed, then drawn once.
      else if (!(autoRun && reducedMotion)) drawSoon();
    }
    view.progress(message.progress ?? 0, progressText(message));
    if (message.state && message.state !== state) {
      setState(message.state);
      if (message.state === 'done') view.finished();
    }
  }

  runner?.onUpdate(onUpdate);

  // ---- the live view: re-runs at once when one of its controls moves ----
  const liveRuns = chapter.live ? createLiveRuns(chapter.live, {
    runner, getPool, view, clock, reducedMotion,
    current: () => ({ values, spec: spec() }),
    // its runs are done: what they visited is kept, and the chapter drawn again with it
    visited(visit) {
      if (visit) visits.set(visit.key, visit);
      draw(lastResult);
    },
  }) : null;
  /** @param {number} [delay] */
  function scheduleLive(delay) {
    if (!liveRuns || locked) return;
    liveRuns.schedule(delay);
  }

  const control = {
    defaults,
    spec,
    get state() {
      return state;
    },
    get values() {
      return values;
    },
    get result() {
      return lastResult;
    },
    get resultJson() {
      return sweepJson;
    },
    get visits() {
      return visits;
    },
    /** The settings of the run on the charts (null when none). */
    get runValues() {
      return runValues;
    },
    get autoRun() {
      return autoRun;
    },
    get locked() {
      return locked;
    },
    /** The live view has started at least once. */
    get liveStarted() {
      return !!liveRuns?.started;
    },
    /** The controls that take part in the sweep's spec (not the live ones). */
    sweepControls,
    /** Draws now (measured for the throttle): the view's own redraws go through here. @param {any} result */
    draw,
    /**
     * One control moved: a display setting redraws, a live one re-runs the live view, any other
     * clears the run (kept as the previous one) and waits for Run.
     * @param {string} key @param {any} value
     */
    change(key, value) {
      values = { ...values, [key]: value };
      if (viewKeys.has(key)) {
        view.valuesChanged(values);
        if (lastResult) draw(lastResult);
      } else if (liveKeys.has(key)) {
        view.valuesChanged(values);
        scheduleLive();
      } else {
        settingsChanged();
        if (chapter.live) {
          visits.clear();
          scheduleLive();
        }
      }
    },
    restoreDefaults() {
      values = { ...defaults };
      view.showValues(values);
      settingsChanged();
    },
    /** New settings from the page (a link). `silent`: no "settings changed" message. @param {Values} next */
    setValues(next, { silent = false } = {}) {
      const onlyView = Object.keys(defaults).every((key) => viewKeys.has(key) || next[key] === values[key]);
      values = { ...defaults, ...next };
      view.showValues(values);
      if (onlyView) {
        if (lastResult) draw(lastResult);
        if (chapter.live && Object.keys(next).some((key) => liveKeys.has(key))) scheduleLive();
        return;
      }
      if (chapter.live) {
        visits.clear();
        scheduleLive();
      }
      if (!silent) settingsChanged();
      else {
        cancelRun();
        runId = null;
        view.newRun();
        setState('idle');
      }
    },
    // Run: resumes a paused run, takes over the page's own run (a user's press), else starts one.
    async run({ user = false } = {}) {
      liveRuns?.resume();
      if (user && autoRun && state === 'running') {
        await start();
        return;
      }
      if (state === 'paused' && runId) {
        if (sweepHandle) sweepHandle.resume();
        else runner.resume(runId);
        setState('running');
        return;
      }
      if (state !== 'running') await start();
    },
    pause() {
      liveRuns?.pause();  // the live view's runs too: their members serve the chapter on screen
      if (state !== 'running' || !runId) return;
      if (sweepHandle) {
        // The pool lends the paused cells' members to other runs meanwhile (pool.js).
        sweepHandle.pause();
        setState('paused');
        view.progress(lastUpdate?.progress || 0, 'Paused');
      } else runner.pause(runId);  // the host's 'paused' update sets the state
    },
    // Shows a result without a press of Run: the live view if the chapter has one, else its
    // preset's run (resumed if the page paused it when the user looked elsewhere).
    open() {
      if (locked) return;
      if (chapter.live) {
        if (!liveRuns?.started) scheduleLive(0);
        else liveRuns.resume();
        return;
      }
      if (state === 'idle' && !lastResult) start({ auto: true });
      else if (state === 'paused' && autoRun) control.run();
    },
    // Step: about stepFraction of the run, then paused; always on the one runner.
    async step() {
      autoRun = false;
      if (sweepHandle) await start({ paused: true });
      if (!runId || state === 'idle' || state === 'failed' || state === 'done') {
        if (!(await start({ paused: true }))) return;
      }
      runner.step(/** @type {string} */ (runId), chapter.stepFraction || 0.02);
    },
    reset() {
      view.hideError();
      view.forgetPrevious();
      clearRun('reset');
    },
    /** @param {boolean} flag */
    lock(flag) {
      locked = flag;
    },
    redraw() {
      if (lastResult) draw(lastResult);
    },
  };
  return control;
}
