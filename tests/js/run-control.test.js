// A chapter panel's run logic (web/src/run-control.js) with stand-ins: an engine host that advances
// its runs only when the test says so, a clock whose timers fire only when the test advances it,
// a view that records what it was told, and the real pool (pool.js) over stand-in hosts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createDrawThrottle, createRunControl, liveWait, progressText, spacedWait } from '../../web/src/run-control.js';
import { createPool } from '../../web/src/pool.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));
async function settle(rounds = 6) {
  for (let i = 0; i < rounds; i += 1) await flush();
}

// A clock under the test's hand: now() moves only by advance(ms), timers fire in time order then.
function manualClock() {
  let t = 0;
  let nextId = 1;
  const timers = new Map();
  const clock = {
    now: () => t,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: t + Math.max(0, ms || 0), fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    get pending() {
      return timers.size;
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
      }
      t = Math.max(t, end);
    },
    // a draw that takes ms of the clock's time
    spend(ms) {
      t += ms;
    },
  };
  return clock;
}

// An engine host like runner.js: runs move only on tick(); pause/resume/step answer with an update
// at once. Its specs are {lr, cell?}; a spec with `bad` fails validation with that text. With
// `cellCount` it also answers cells/merge (the pool's sweep) and resultJson.
function fakeRunner({ kind = 'worker', cellCount = 0 } = {}) {
  const subscribers = new Set();
  const runs = new Map();
  const log = [];
  const emit = (message) => [...subscribers].forEach((fn) => fn(message));
  const update = (runId, run) => emit({ type: 'update', runId, state: run.state, progress: run.progress, elapsedMs: 1000 * run.progress, result: { progress: run.progress, spec: run.spec } });
  return {
    kind,
    log,
    runs,
    emit,
    validate: async (spec) => (spec.bad ? { ok: false, error: spec.bad, value: null } : { ok: true, error: '', value: null }),
    start(runId, spec, { paused = false } = {}) {
      log.push(['start', runId, paused]);
      runs.set(runId, { spec, progress: 0, state: paused ? 'paused' : 'running' });
    },
    pause(runId) {
      log.push(['pause', runId]);
      const run = runs.get(runId);
      if (run?.state !== 'running') return;
      run.state = 'paused';
      update(runId, run);
    },
    resume(runId) {
      log.push(['resume', runId]);
      const run = runs.get(runId);
      if (run?.state !== 'paused') return;
      run.state = 'running';
      update(runId, run);
    },
    step(runId, fraction) {
      log.push(['step', runId, fraction]);
      const run = runs.get(runId);
      if (!run) return;
      run.progress = Math.min(1, +(run.progress + fraction).toFixed(6));
      run.state = run.progress >= 1 ? 'done' : 'paused';
      update(runId, run);
    },
    cancel(runId) {
      log.push(['cancel', runId]);
      runs.delete(runId);
    },
    // every running run advances by `by`; a run reaching 1 is done
    tick(by = 0.25) {
      for (const [runId, run] of [...runs]) {
        if (run.state !== 'running') continue;
        run.progress = Math.min(1, +(run.progress + by).toFixed(6));
        if (run.progress >= 1) run.state = 'done';
        update(runId, run);
      }
    },
    onUpdate(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    hasCells: async () => ({ ok: true, error: '', value: cellCount > 0 }),
    cells: async (spec) => ({ ok: true, error: '', value: Array.from({ length: cellCount }, (_, cell) => ({ ...JSON.parse(typeof spec === 'string' ? spec : JSON.stringify(spec)), cell })) }),
    merge: async (spec, text) => ({ ok: true, error: '', value: JSON.stringify({ merged: JSON.parse(text) }) }),
    resultJson: async (runId) => ({ ok: true, error: '', value: JSON.stringify({ cell: runs.get(runId)?.spec.cell ?? null }) }),
    terminate() {},
  };
}

// The view: records every call (name and arguments); draw can be made to cost clock time.
function recordingView(clock, { drawMs = 0 } = {}) {
  const calls = [];
  const handler = {
    get(_, name) {
      if (name === 'calls') return calls;
      if (name === 'named') return (wanted) => calls.filter(([n]) => n === wanted).map(([, ...args]) => args);
      if (name === 'clear') return () => calls.splice(0);
      return (...args) => {
        calls.push([name, ...args]);
        if (name === 'draw' || name === 'liveDraw') clock?.spend(drawMs);
      };
    },
  };
  return new Proxy({}, handler);
}

const controls = [
  { key: 'lr', path: 'lr', label: 'Learning rate' },
  { key: 'bad', path: 'bad', label: 'Broken', fallback: undefined },
  { key: 'scale', view: true, fallback: 'linear', label: 'Scale' },
  { key: 'width', live: true, path: 'width', label: 'Width' },
];
const preset = { lr: 0.1, width: 4 };

function setup({ chapter = {}, runner = fakeRunner(), getPool, reducedMotion = false, drawMs = 0 } = {}) {
  const clock = manualClock();
  const view = recordingView(clock, { drawMs });
  const control = createRunControl({ id: 'demo', controls, ...chapter }, { runner, preset, view, getPool, reducedMotion, clock });
  return { clock, view, control, runner };
}

const states = (view) => view.named('setState').map(([s]) => s);
const lastRunId = (runner) => runner.log.filter(([what]) => what === 'start').at(-1)[1];

test('Run starts the runner with the settings, draws the result once when done, and scores it', async () => {
  const { control, view, runner, clock } = setup();
  await control.run({ user: true });
  assert.equal(control.state, 'running');
  assert.deepEqual(runner.log.map(([w, , p]) => [w, p]), [['start', false]]);
  assert.deepEqual(runner.runs.get(lastRunId(runner)).spec, { lr: 0.1, width: 4 });
  assert.deepEqual(view.named('started'), [[false]]);
  assert.deepEqual(view.named('pool'), [[null]]);
  runner.tick(0.5);
  assert.equal(control.result.progress, 0.5);
  runner.tick(0.5);
  assert.equal(control.state, 'done');
  assert.deepEqual(states(view), ['running', 'done']);
  // the done result is drawn at once; the intermediate one's pending draw is dropped
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [1]);
  clock.advance(1000);
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [1]);
  assert.deepEqual(view.named('scored'), [[{ progress: 1, spec: { lr: 0.1, width: 4 } }, control.values]]);
  assert.equal(view.named('finished').length, 1);
  assert.equal(view.named('progress').at(-1)[1], 'Done: 100% · 1.0 s of compute');
});

test('Pause stops the steps, and Run resumes the same run from the same step', async () => {
  const { control, runner } = setup();
  await control.run({ user: true });
  const id = lastRunId(runner);
  runner.tick(0.25);
  runner.tick(0.25);
  control.pause();
  assert.equal(control.state, 'paused');
  assert.deepEqual(runner.log.at(-1), ['pause', id]);
  runner.tick(0.25);
  runner.tick(0.25);
  assert.equal(control.result.progress, 0.5, 'no step while paused');
  control.pause();  // pausing a paused run asks nothing more
  assert.equal(runner.log.filter(([w]) => w === 'pause').length, 1);
  await control.run({ user: true });
  assert.equal(control.state, 'running');
  assert.deepEqual(runner.log.at(-1), ['resume', id]);
  runner.tick(0.25);
  assert.equal(control.result.progress, 0.75, 'continues from where it paused');
  assert.equal(runner.log.filter(([w]) => w === 'start').length, 1, 'resumed, not restarted');
});

test('Step starts a paused run and advances it by the chapter\'s fraction; after done it starts anew', async () => {
  const { control, runner, view } = setup({ chapter: { stepFraction: 0.5 } });
  await control.step();
  const first = lastRunId(runner);
  assert.deepEqual(runner.log.slice(0, 2), [['start', first, true], ['step', first, 0.5]]);
  assert.equal(control.state, 'paused');
  assert.equal(control.result.progress, 0.5);
  assert.equal(view.named('progress').at(-1)[1], 'Paused: 50% · 0.5 s of compute');
  await control.step();
  assert.equal(control.state, 'done');
  assert.equal(runner.log.filter(([w]) => w === 'start').length, 1);
  await control.step();
  const second = lastRunId(runner);
  assert.notEqual(second, first);
  assert.equal(control.result.progress, 0.5);
});

test('a stale run\'s messages are ignored after a restart or a change of settings', async () => {
  const { control, runner, view } = setup();
  await control.run({ user: true });
  const old = lastRunId(runner);
  runner.tick(0.25);
  control.change('lr', 0.3);
  assert.equal(control.state, 'idle');
  assert.ok(runner.log.some(([w, id]) => w === 'cancel' && id === old), 'the old run is cancelled');
  assert.deepEqual(view.named('idle'), [['settings']]);
  assert.equal(view.named('progress').at(-1)[1], 'Settings changed: press Run');
  view.clear();
  // the old host run's late word arrives
  runner.emit({ type: 'update', runId: old, state: 'done', progress: 1, result: { progress: 1, stale: true } });
  runner.emit({ type: 'error', runId: old, state: 'failed', error: 'late failure' });
  assert.equal(control.state, 'idle');
  assert.equal(control.result, null);
  assert.deepEqual(view.calls, []);
  await control.run({ user: true });
  const fresh = lastRunId(runner);
  assert.notEqual(fresh, old);
  assert.equal(runner.runs.get(fresh).spec.lr, 0.3);
  runner.emit({ type: 'update', runId: old, state: 'done', progress: 1, result: { stale: true } });
  assert.equal(control.state, 'running');
  assert.equal(control.result, null);
});

test('a user\'s Run takes over the page\'s own run: a new run, said aloud', async () => {
  const { control, runner, view } = setup();
  control.open();
  await settle();
  assert.equal(control.state, 'running');
  assert.equal(control.autoRun, true);
  assert.deepEqual(view.named('started'), [], 'the page\'s own run is quiet');
  const auto = lastRunId(runner);
  await control.run({ user: true });
  assert.notEqual(lastRunId(runner), auto);
  assert.equal(control.autoRun, false);
  assert.deepEqual(view.named('started'), [[false]]);
  // a second open() neither restarts nor resumes a running run
  control.open();
  await settle();
  assert.equal(runner.log.filter(([w]) => w === 'start').length, 2);
});

test('open() resumes the page\'s own run when the page paused it, and not a run the student paused', async () => {
  const { control, runner } = setup();
  control.open();
  await settle();
  const id = lastRunId(runner);
  control.pause();  // the page leaves the chapter
  control.open();
  await settle();
  assert.equal(control.state, 'running');
  assert.deepEqual(runner.log.at(-1), ['resume', id]);

  const other = setup();
  await other.control.run({ user: true });
  other.control.pause();
  other.control.open();
  await settle();
  assert.equal(other.control.state, 'paused');
});

test('errors reach the view as one line and leave the panel usable', async () => {
  const { control, runner, view } = setup();
  control.change('bad', 'learning rate must be positive');
  await control.run({ user: true });
  assert.equal(control.state, 'failed');
  assert.deepEqual(view.named('showError'), [['learning rate must be positive']]);
  assert.equal(runner.log.filter(([w]) => w === 'start').length, 0, 'nothing started');
  control.change('bad', undefined);
  await control.run({ user: true });
  assert.equal(control.state, 'running');
  assert.equal(view.named('hideError').length, 1);
  // a failure during the run: one line, the bar says Failed at the progress reached
  runner.tick(0.25);
  runner.emit({ type: 'error', runId: lastRunId(runner), error: 'out of memory' });
  assert.equal(control.state, 'failed');
  const errors = view.named('showError').map(([m]) => m);
  assert.deepEqual(errors.slice(1), ['out of memory']);
  assert.ok(errors.every((m) => !m.includes('\n')));
  assert.deepEqual(view.named('progress').at(-1), [0.25, 'Failed']);
  await control.run({ user: true });
  assert.equal(control.state, 'running');
  runner.tick(1);
  assert.equal(control.state, 'done');
});

test('a chapter whose prepare() reports a problem does not start, and says it once', async () => {
  const given = [];
  const runner = fakeRunner();
  const { control, view } = setup({ runner, chapter: { prepare: async (host) => (given.push(host), 'the data file is missing') } });
  await control.run({ user: true });
  assert.equal(given[0], runner, 'prepared on the runner (no pool)');
  assert.equal(control.state, 'failed');
  assert.deepEqual(view.named('showError'), [['the data file is missing']]);
  assert.equal(runner.log.length, 0);
});

test('the draw throttle coalesces updates and spaces draws by twice their cost', async () => {
  const { control, runner, view, clock } = setup({ drawMs: 80 });
  await control.run({ user: true });
  for (let i = 0; i < 5; i += 1) runner.tick(0.1);
  // five updates at t=0: one draw, due 100 ms after the (never) last draw's end
  assert.equal(view.named('draw').length, 0);
  clock.advance(100);
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [0.5], 'one draw, of the latest result');
  // the draw took 80 ms: the next waits until 160 ms after it ended, however many updates come
  const endedAt = clock.now();
  runner.tick(0.1);
  runner.tick(0.1);
  clock.advance(159);
  assert.equal(view.named('draw').length, 1);
  clock.advance(1);
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [0.5, 0.7]);
  assert.equal(clock.now() - 80, endedAt + 160);
});

test('createDrawThrottle: soon() while pending does nothing, now() drops the pending draw, a throwing draw is still timed', () => {
  const clock = manualClock();
  const drawn = [];
  const throttle = createDrawThrottle({
    draw: (x) => {
      drawn.push(x);
      clock.spend(30);
      if (x === 'boom') throw new Error('render failed');
    },
    clock,
  });
  throttle.soon(() => throttle.now('a'));
  throttle.soon(() => throttle.now('b'));
  assert.equal(throttle.pending, true);
  assert.equal(clock.pending, 1);
  throttle.now('c');
  assert.equal(throttle.pending, false);
  clock.advance(1000);
  assert.deepEqual(drawn, ['c']);
  assert.throws(() => throttle.now('boom'), /render failed/);
  assert.equal(throttle.lastMs, 30);
  assert.equal(spacedWait({ lastEnd: 100, lastMs: 30, now: 120 }), 80);
  assert.equal(spacedWait({ lastEnd: 100, lastMs: 90, now: 120 }), 160);
  assert.equal(spacedWait({ lastEnd: 0, lastMs: 0, now: 5000 }), 0);
  assert.equal(liveWait({ lastEnd: 0, lastMs: 0, now: 0 }), 0);
  assert.equal(liveWait({ lastEnd: 0, lastMs: 30, now: 0 }), 100);
  assert.equal(liveWait({ lastEnd: 0, lastMs: 70, now: 0 }), 140);
});

test('under reduced motion the page\'s own run is drawn once, when done; a student\'s run draws as it goes', async () => {
  const { control, runner, view, clock } = setup({ reducedMotion: true });
  control.open();
  await settle();
  runner.tick(0.5);
  clock.advance(1000);
  assert.equal(view.named('draw').length, 0);
  runner.tick(0.5);
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [1]);
  await control.run({ user: true });
  runner.tick(0.5);
  clock.advance(1000);
  assert.deepEqual(view.named('draw').map(([r]) => r.progress), [1, 0.5]);
});

test('display settings redraw the result on screen without a run; run settings clear it and keep it as the previous run', async () => {
  const { control, runner, view } = setup();
  await control.run({ user: true });
  runner.tick(1);
  view.clear();
  control.change('scale', 'log');
  assert.equal(control.state, 'done');
  assert.deepEqual(view.calls.map(([n]) => n), ['valuesChanged', 'draw']);
  assert.equal(control.values.scale, 'log');
  view.clear();
  control.change('lr', 1);
  assert.deepEqual(view.calls.map(([n]) => n), ['keepPrevious', 'clearCharts', 'setState', 'progress', 'idle', 'valuesChanged']);
  assert.equal(control.result, null);
  assert.equal(control.runValues, null);
  view.clear();
  control.restoreDefaults();
  assert.deepEqual(view.named('showValues'), [[control.defaults]]);
  assert.equal(control.values.lr, 0.1);
  control.reset();
  assert.deepEqual(view.named('forgetPrevious').length, 1);
  assert.deepEqual(view.named('idle').at(-1), ['reset']);
  assert.equal(view.named('progress').at(-1)[1], 'Not started');
});

test('setValues from a link: display-only redraws, silent clears the run without a message', async () => {
  const { control, runner, view } = setup();
  await control.run({ user: true });
  runner.tick(1);
  view.clear();
  control.setValues({ ...control.values, scale: 'log' });
  assert.deepEqual(view.calls.map(([n]) => n), ['showValues', 'draw']);
  assert.equal(control.state, 'done');
  view.clear();
  const id = lastRunId(runner);
  control.setValues({ lr: 0.5 }, { silent: true });
  assert.deepEqual(view.calls.map(([n]) => n), ['showValues', 'newRun', 'setState']);
  assert.equal(control.state, 'idle');
  assert.deepEqual(runner.log.at(-1), ['cancel', id]);
  assert.equal(control.values.scale, 'linear', 'unspecified values go back to their defaults');
  view.clear();
  control.setValues({ lr: 0.7 });
  assert.deepEqual(view.named('idle'), [['settings']]);
});

test('a locked panel starts no run on open()', async () => {
  const { control, runner } = setup();
  control.lock(true);
  control.open();
  await settle();
  assert.equal(runner.log.length, 0);
  control.lock(false);
  control.open();
  await settle();
  assert.equal(control.state, 'running');
});

// ---- the pool's sweep ----

test('a pooled chapter sweeps on the pool; Pause holds it, Run resumes it; Step goes to the one runner', async () => {
  const members = [];
  const make = async () => {
    const r = fakeRunner({ cellCount: 3 });
    members.push(r);
    return r;
  };
  const pool = await createPool({ size: 1, make });
  const runner = fakeRunner();
  const { control, view } = setup({ runner, chapter: { pooled: true }, getPool: async () => pool });
  await control.run({ user: true });
  await settle();
  assert.deepEqual(view.named('pool'), [[1]]);
  assert.equal(runner.log.length, 0, 'the one runner is not used');
  const host = members[0];
  host.tick(1);  // cell 0 done
  await settle();
  assert.ok(control.result.merged, 'a partial merge reached the panel');
  assert.equal(control.state, 'running');
  control.pause();
  assert.equal(control.state, 'paused');
  assert.equal(view.named('progress').at(-1)[1], 'Paused');
  host.tick(1);  // nothing runs: cell 1 was paused before it ran
  await settle();
  assert.equal(control.state, 'paused');
  await control.run({ user: true });
  assert.equal(control.state, 'running');
  for (let i = 0; i < 3; i += 1) {
    host.tick(1);
    await settle();
  }
  assert.equal(control.state, 'done');
  assert.deepEqual(control.result.merged.map((r) => r.cell), [0, 1, 2]);
  assert.equal(control.resultJson, JSON.stringify({ merged: [{ cell: 0 }, { cell: 1 }, { cell: 2 }] }));
  // Step always runs on the one runner, paused
  await control.step();
  assert.deepEqual(runner.log.filter(([w]) => w !== 'cancel').map(([w, , p]) => [w, p]), [['start', true], ['step', 0.02]]);
  assert.deepEqual(view.named('pool').at(-1), [null]);
});

// A pool of `size` stand-in runners (each made with `options`), and the runners it made.
async function fakePool(size, options) {
  const members = [];
  const pool = await createPool({ size, make: async () => {
    const r = fakeRunner(options);
    members.push(r);
    return r;
  } });
  return { members, pool };
}

test('a paused sweep lends its member to another chapter and gets it back, continuing from the same step', async () => {
  const { members, pool } = await fakePool(1, { cellCount: 1 });
  const host = members[0];
  const getPool = async () => pool;
  const a = setup({ chapter: { id: 'a', pooled: true }, getPool });
  const b = setup({ chapter: { id: 'b', pooled: true }, getPool });
  await a.control.run({ user: true });
  await settle();
  host.tick(0.25);
  host.tick(0.25);
  const aCell = [...host.runs.keys()][0];
  assert.equal(host.runs.get(aCell).progress, 0.5);
  a.control.pause();
  // b's sweep gets the member while a's cell waits on it, paused
  await b.control.run({ user: true });
  await settle();
  const bCell = host.log.filter(([w]) => w === 'start').at(-1)[1];
  assert.notEqual(bCell, aCell);
  assert.equal(host.runs.get(aCell).state, 'paused');
  // a resumed while lent: it waits for b's cell to finish
  await a.control.run({ user: true });
  host.tick(0.5);
  await settle();
  assert.equal(host.runs.get(aCell).progress, 0.5, 'a does not move while its member is lent');
  host.tick(0.5);  // b's cell done; its member comes back to a
  await settle();
  assert.equal(b.control.state, 'done');
  assert.deepEqual(host.log.filter(([w]) => w === 'resume').at(-1), ['resume', aCell]);
  host.tick(0.25);
  assert.equal(host.runs.get(aCell).progress, 0.75, 'a continues from where it paused');
  host.tick(0.25);
  await settle();
  assert.equal(a.control.state, 'done');
  assert.equal(host.log.filter(([w, id]) => w === 'start' && id === aCell).length, 1, 'a\'s cell ran once');
});

test('a pool below the chapter\'s minSize, or the main thread, runs the sweep in the one runner', async () => {
  const pool = await createPool({ size: 1, make: async () => fakeRunner({ cellCount: 2 }) });
  const one = setup({ chapter: { pooled: { minSize: 2 } }, getPool: async () => pool });
  await one.control.run({ user: true });
  assert.equal(one.runner.log[0][0], 'start');
  assert.deepEqual(one.view.named('pool'), [[null]]);
  let asked = 0;
  const main = setup({ runner: fakeRunner({ kind: 'main-thread' }), chapter: { pooled: { minSize: 2 } }, getPool: async () => (asked += 1, pool) });
  await main.control.run({ user: true });
  assert.equal(asked, 0, 'not even asked for a pool');
  assert.equal(main.runner.log[0][0], 'start');
});

test('a sweep that fails reaches the view as one line; a cancelled one says nothing', async () => {
  const { members, pool } = await fakePool(1, { cellCount: 2 });
  const { control, view } = setup({ chapter: { pooled: true }, getPool: async () => pool });
  await control.run({ user: true });
  await settle();
  const cell = [...members[0].runs.keys()][0];
  members[0].emit({ type: 'error', runId: cell, state: 'failed', error: 'cell 0 diverged' });
  await settle();
  assert.equal(control.state, 'running', 'the sweep ends when its other cells have');
  members[0].tick(1);
  await settle();
  assert.equal(control.state, 'failed');
  assert.deepEqual(view.named('showError'), [['cell 0 diverged']]);
  await control.run({ user: true });
  await settle();
  control.change('lr', 2);  // cancels the sweep
  await settle();
  assert.equal(control.state, 'idle');
  assert.equal(view.named('showError').length, 1);
});

// ---- the live view ----

function liveChapter(log) {
  return {
    live: {
      debounceMs: 150,
      specs: (spec, values) => [{ ...spec, arm: 'a', w: values.width }, { ...spec, arm: 'b', w: values.width }],
      visit: (parts, values) => ({ key: values.width, parts: parts.length }),
      pending: (values) => `Training width ${values.width}…`,
    },
    ...log,
  };
}

test('the live view waits for the control to be still, cancels the previous runs and ignores their late updates', async () => {
  const { members, pool } = await fakePool(2);
  const { control, view, clock } = setup({ chapter: liveChapter(), getPool: async () => pool });
  control.change('width', 8);
  clock.advance(100);
  control.change('width', 16);
  clock.advance(149);
  assert.equal(view.named('liveStatus').length, 0, 'still debouncing');
  clock.advance(1);
  await settle();
  assert.deepEqual(view.named('liveStatus'), [['running']]);
  assert.deepEqual(view.named('liveMessage'), [['Training width 16…']]);
  const started = members.flatMap((m) => m.log.filter(([w]) => w === 'start').map(([, id]) => id));
  assert.equal(started.length, 2, 'one run per arm, only for the last value');
  members.forEach((m) => m.tick(0.5));
  clock.advance(0);
  assert.equal(view.named('liveDraw').length, 1, 'the first partial result is drawn at once, both arms in one draw');
  // a new value: the running arms are cancelled, and their late updates draw nothing
  control.change('width', 32);
  assert.ok(members.every((m) => m.log.some(([w]) => w === 'cancel')));
  const before = view.named('liveDraw').length;
  for (const id of started) members.forEach((m) => m.emit({ type: 'update', runId: id, state: 'running', progress: 0.9, result: { late: true } }));
  clock.advance(1000);
  await settle();
  assert.equal(view.named('liveDraw').slice(before).filter(([parts]) => parts.some((p) => p?.late)).length, 0);
  // the new arms finish: one final draw with both, a visit kept, the chapter redrawn
  members.forEach((m) => m.tick(1));
  await settle();
  const last = view.named('liveDraw').at(-1);
  assert.equal(last[1], true);
  assert.equal(last[2].width, 32);
  assert.equal(last[0].length, 2);
  assert.deepEqual(view.named('liveStatus').at(-1), ['done']);
  assert.equal(view.named('liveFinished').at(-1)[0].key, '32');
  assert.deepEqual([...control.visits.keys()], [32]);
  assert.equal(control.liveStarted, true);
});

test('the page pausing a chapter pauses its live view\'s runs (their members serve the chapter on screen); opening it again resumes them', async () => {
  const { members, pool } = await fakePool(2);
  const { control, view, clock } = setup({ chapter: liveChapter(), getPool: async () => pool });
  control.open();
  clock.advance(0);
  await settle();
  const started = members.flatMap((m) => m.log.filter(([w]) => w === 'start').map(([, id]) => id));
  assert.equal(started.length, 2);
  members.forEach((m) => m.tick(0.5));
  control.pause();  // the page leaves the chapter
  await settle();
  for (const id of started) assert.ok(members.some((m) => m.log.some(([w, runId]) => w === 'pause' && runId === id)), `live run ${id} not paused`);
  members.forEach((m) => m.tick(1));  // paused runs do not advance
  await settle();
  assert.notDeepEqual(view.named('liveStatus').at(-1), ['done']);
  control.open();  // back on the chapter: the same runs go on from where they were
  await settle();
  for (const id of started) assert.ok(members.some((m) => m.log.some(([w, runId]) => w === 'resume' && runId === id)), `live run ${id} not resumed`);
  assert.equal(members.flatMap((m) => m.log.filter(([w]) => w === 'start')).length, 2, 'a live run was started again');
  members.forEach((m) => m.tick(0.5));
  await settle();
  assert.deepEqual(view.named('liveStatus').at(-1), ['done']);
});

test('a live view that cannot run says so in one line, and the next change runs', async () => {
  let pool = null;
  const { control, view, clock } = setup({ chapter: liveChapter(), getPool: async () => pool });
  control.open();
  clock.advance(0);
  await settle();
  assert.deepEqual(view.named('liveError').at(-1), ['No engine host is free for the live view.']);
  assert.deepEqual(view.named('liveStatus').at(-1), ['failed']);
  control.change('bad', 'width must be a power of two');
  clock.advance(150);
  await settle();
  assert.deepEqual(view.named('liveError').at(-1), ['Cannot run: width must be a power of two']);
  pool = await createPool({ size: 1, make: async () => fakeRunner() });
  control.change('bad', undefined);
  clock.advance(150);
  await settle();
  assert.deepEqual(view.named('liveError').at(-1), [null]);
  assert.deepEqual(view.named('liveStatus').at(-1), ['running']);
});

test('the progress text', () => {
  assert.equal(progressText({ runId: 'x', state: 'running', progress: 0.426, elapsedMs: 1234 }), 'Running: 43% · 1.2 s of compute');
  assert.equal(progressText({ runId: 'x', state: 'paused', progress: 0.5, elapsedMs: 0 }), 'Paused: 50%');
  assert.equal(progressText({ runId: 'x', state: 'done', progress: 1 }), 'Done: 100%');
});

// ---- with a stand-in pool: the races the real pool hides ----

// A pool whose runs and sweeps finish only when the test says so, and whose cancelled runs may
// still deliver an update (one already on its way when cancel() was called).
function standInPool({ size = 2, cells = true } = {}) {
  const tasks = [];
  const task = (kind, spec, options) => {
    let resolve;
    const promise = new Promise((r) => {
      resolve = r;
    });
    const entry = { kind, spec, options, resolve, log: [] };
    tasks.push(entry);
    return { promise, cancel: () => entry.log.push('cancel'), pause: () => entry.log.push('pause'), resume: () => entry.log.push('resume') };
  };
  return {
    size,
    tasks,
    hasCells: async () => cells,
    run: (spec, options) => task('run', spec, options),
    sweep: (spec, options) => task('sweep', spec, options),
  };
}

test('a live run\'s update that arrives after a newer value was asked for is not drawn', async () => {
  const pool = standInPool();
  const { control, view, clock } = setup({ chapter: liveChapter(), getPool: async () => pool });
  control.change('width', 8);
  clock.advance(150);
  await settle();
  const old = pool.tasks.slice();
  assert.equal(old.length, 2);
  // a partial result of the current value asks for a drawing; the value changes before it is due
  old[0].options.onUpdate({ runId: 'x', state: 'running', progress: 0.1, result: { width: 8 } });
  control.change('width', 16);
  clock.advance(0);
  assert.equal(view.named('liveDraw').length, 0, 'the drawing asked for before the change is not made');
  assert.ok(old.every((t) => t.log.includes('cancel')), 'both arms cancelled at once');
  // the old arms' updates were already on their way
  old.forEach((t) => t.options.onUpdate({ runId: 'x', state: 'running', progress: 0.5, result: { width: 8 } }));
  clock.advance(0);
  assert.equal(view.named('liveDraw').length, 0, 'nothing drawn with the old value');
  old.forEach((t) => t.resolve({ ok: true, error: '', result: { width: 8 } }));
  await settle();
  assert.equal(view.named('liveDraw').length, 0);
  assert.deepEqual([...control.visits.keys()], [], 'no visit kept for the old value');
  clock.advance(150);
  await settle();
  const fresh = pool.tasks.slice(2);
  assert.deepEqual(fresh.map((t) => t.spec.w), [16, 16]);
  clock.advance(300);  // the arms take 300 ms: the view is told so
  fresh.forEach((t) => t.resolve({ ok: true, error: '', result: { width: 16 } }));
  await settle();
  assert.deepEqual(view.named('liveDraw').at(-1), [[{ width: 16 }, { width: 16 }], true, control.values]);
  assert.equal(view.named('liveDraw').length, 1);
  assert.deepEqual([...control.visits.keys()], [16]);
  // then the chapter's own charts are drawn again with the visit (no sweep result yet: null)
  assert.deepEqual(view.calls.slice(-4).map(([n]) => n), ['liveDraw', 'draw', 'liveFinished', 'liveStatus']);
  assert.deepEqual(view.named('draw'), [[null]]);
  assert.deepEqual(view.named('liveFinished'), [[{ ms: 300, key: '16' }]]);
});

test('a pooled chapter prepares its data on the pool; a sweep the pool reports cancelled shows no error', async () => {
  const pool = standInPool({ size: 3 });
  const given = [];
  const { control, view } = setup({ chapter: { pooled: { live: true }, prepare: async (host) => (given.push(host), null) }, getPool: async () => pool });
  await control.run({ user: true });
  assert.equal(given[0], pool, 'every member of the pool gets the data, not only the one runner');
  assert.deepEqual(view.named('pool'), [[3]]);
  const [sweep] = pool.tasks;
  assert.equal(sweep.options.live, true, 'pooled.live asks for running merges');
  sweep.options.onPartial({ progress: 0.4, partial: true }, 0.4);
  assert.equal(control.result.partial, true);
  assert.equal(view.named('progress').at(-1)[0], 0.4);
  sweep.resolve({ ok: false, error: 'cancelled', cancelled: true, json: null, result: null });
  await settle();
  assert.deepEqual(view.named('showError'), []);
  assert.equal(control.state, 'running');
  assert.equal(control.resultJson, null);
});

test('a stale live update does not hold up the next value\'s first drawing', async () => {
  const pool = standInPool();
  // each live drawing costs 100 ms: the next waits 200 ms, longer than the 150 ms debounce
  const { control, view, clock } = setup({ chapter: liveChapter(), getPool: async () => pool, drawMs: 100 });
  control.change('width', 8);
  clock.advance(150);
  await settle();
  pool.tasks[0].options.onUpdate({ runId: 'x', state: 'running', progress: 0.2, result: { width: 8 } });
  clock.advance(0);
  assert.equal(view.named('liveDraw').length, 1);
  control.change('width', 16);
  pool.tasks[1].options.onUpdate({ runId: 'x', state: 'running', progress: 0.3, result: { width: 8 } });
  clock.advance(150);
  await settle();
  const fresh = pool.tasks.slice(2);
  fresh[0].options.onUpdate({ runId: 'y', state: 'running', progress: 0.1, result: { width: 16 } });
  clock.advance(200);
  const drawn = view.named('liveDraw');
  assert.equal(drawn.length, 2, 'the new value\'s partial result is drawn within the throttle\'s 200 ms');
  assert.deepEqual(drawn[1].slice(0, 2), [[{ width: 16 }, null], false]);
});
