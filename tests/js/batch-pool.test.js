// The worker pool's bookkeeping with stand-in engine hosts: cells go out in order, finish in any
// order, and the merge always receives them in cells() order, whatever the pool size.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createPool, defaultPoolSize, maxPoolSize } from '../../web/src/pool.js';

// A stand-in for runner.js: each run finishes after a delay drawn from `delays` (so finishing order
// differs from starting order); its result text names the cell. merge joins what it is given.
function fakeMaker({ delays, cellCount, kind = 'worker', log = [] }) {
  let made = 0;
  return async () => {
    const id = made++;
    const subscribers = new Set();
    const runs = new Map();
    const send = (message) => subscribers.forEach((fn) => fn(message));
    return {
      kind,
      id,
      onUpdate(fn) {
        subscribers.add(fn);
        return () => subscribers.delete(fn);
      },
      start(runId, spec) {
        const cell = spec.cell;
        log.push({ member: id, cell });
        const timer = setTimeout(() => {
          runs.get(runId).done = true;
          send({ runId, state: 'done', progress: 1, result: { cell } });
        }, delays[cell % delays.length]);
        runs.set(runId, { timer, cell, done: false });
        setTimeout(() => send({ runId, state: 'running', progress: 0.5, result: { cell, partial: true } }), 0);
      },
      cancel(runId) {
        clearTimeout(runs.get(runId)?.timer);
        runs.delete(runId);
      },
      pause() {},
      resume() {},
      resultJson: async (runId) => ({ ok: true, error: '', value: `{"cell":${runs.get(runId).cell}}` }),
      hasCells: async () => ({ ok: true, error: '', value: true }),
      cells: async () => ({ ok: true, error: '', value: Array.from({ length: cellCount }, (_, cell) => ({ cell })) }),
      merge: async (spec, text) => ({ ok: true, error: '', value: JSON.stringify({ merged: JSON.parse(text) }) }),
      terminate() {},
    };
  };
}

test('a sweep merges its cells in cells() order whatever the pool size and finishing order', async () => {
  const delays = [30, 5, 17, 1, 23, 9, 2];
  const outputs = [];
  for (const size of [1, 3]) {
    const log = [];
    const pool = await createPool({ size, make: fakeMaker({ delays, cellCount: 7, log }) });
    assert.equal(pool.size, size);
    const partials = [];
    const out = await pool.sweep({}, { onPartial: (result) => partials.push(result), partialMs: 0 }).promise;
    assert.equal(out.ok, true, out.error);
    outputs.push(out.json);
    assert.deepEqual(out.result.merged.map((r) => r.cell), [0, 1, 2, 3, 4, 5, 6]);
    // Cells start in order; with three members more than one is busy at once.
    assert.deepEqual(log.map((l) => l.cell), [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(new Set(log.map((l) => l.member)).size, size);
    // Partial merges carry nulls for the cells not done and never lose a finished one.
    assert.equal(partials.length, 6);
    for (let i = 1; i < partials.length; i += 1) {
      const done = (p) => p.merged.filter((r) => r !== null).length;
      assert.ok(done(partials[i]) >= done(partials[i - 1]));
    }
    pool.terminate();
  }
  assert.equal(outputs[0], outputs[1]);
});

test('partial merges of finished cells are throttled: at most one per partialMs, the latest cells together, none lost', async () => {
  // Merges that take 15 ms on the member, as a real one does (it grows with the cells done).
  const base = fakeMaker({ delays: [4, 6, 3, 5], cellCount: 24 });
  const make = async () => {
    const member = await base();
    const merge = member.merge;
    member.merge = async (spec, text) => {
      await new Promise((resolve) => setTimeout(resolve, 15));
      return merge(spec, text);
    };
    return member;
  };
  const pool = await createPool({ size: 2, make });
  const partials = [];
  const partialMs = 40;
  const out = await pool.sweep({}, { partialMs, onPartial: (result) => partials.push({ at: Date.now(), result }) }).promise;
  assert.equal(out.ok, true, out.error);
  assert.deepEqual(out.result.merged.map((r) => r.cell), Array.from({ length: 24 }, (_, i) => i));
  // 24 cells of ~5 ms on two members finish within ~70 ms: one merge per cell would be 23.
  assert.ok(partials.length >= 1 && partials.length < 10, `${partials.length} partial merges`);
  const done = (p) => p.result.merged.filter((r) => r !== null).length;
  for (let i = 1; i < partials.length; i += 1) {
    assert.ok(done(partials[i]) > done(partials[i - 1]), 'a partial merge repeated or lost finished cells');
    // spaced by partialMs from the end of the previous merge (timers may fire a millisecond early)
    assert.ok(partials[i].at - partials[i - 1].at >= partialMs - 2, `partials ${i - 1} and ${i} ${partials[i].at - partials[i - 1].at} ms apart`);
  }
  pool.terminate();
});

test('a pool where only the main thread works has one member', async () => {
  const pool = await createPool({ size: 4, make: fakeMaker({ delays: [1], cellCount: 2, kind: 'main-thread' }) });
  assert.equal(pool.size, 1);
  assert.equal(pool.kind, 'main-thread');
});

test('a cancelled run frees its member for the next one', async () => {
  const pool = await createPool({ size: 1, make: fakeMaker({ delays: [10000, 1], cellCount: 2 }) });
  const slow = pool.run({ cell: 0 });
  const fast = pool.run({ cell: 1 });
  slow.cancel();
  assert.equal((await slow.promise).cancelled, true);
  const out = await fast.promise;
  assert.equal(out.ok, true);
  assert.equal(out.json, '{"cell":1}');
});

test('pool sizes are checked and the default is capped', async () => {
  await assert.rejects(createPool({ size: 0, make: fakeMaker({ delays: [1], cellCount: 1 }) }), /pool size must be a whole number in \[1, 16\], got 0/);
  assert.ok(defaultPoolSize() >= 1 && defaultPoolSize() <= maxPoolSize);
});

test('a run asked for first goes ahead of the queued ones (the live view before a sweep\'s cells)', async () => {
  const log = [];
  const pool = await createPool({ size: 1, make: fakeMaker({ delays: [5], cellCount: 3, log }) });
  const runs = [pool.run({ cell: 0 }), pool.run({ cell: 1 }), pool.run({ cell: 2 }, { first: true })];
  await Promise.all(runs.map((r) => r.promise));
  assert.deepEqual(log.map((l) => l.cell), [0, 2, 1]);
});

test('a paused sweep shows nothing new: merges of cells that finish while paused wait for resume', async () => {
  // The stand-in members ignore pause, like a cell that finished just before the pause reached it.
  const pool = await createPool({ size: 2, make: fakeMaker({ delays: [5, 8, 11], cellCount: 3 }) });
  const partials = [];
  let settled = false;
  const handle = pool.sweep({}, { onPartial: (result) => partials.push(result) });
  handle.promise.then(() => {
    settled = true;
  });
  handle.pause();
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(partials.length, 0, 'a partial merge reached the page while the sweep was paused');
  assert.equal(settled, false, 'the sweep finished while paused');
  handle.resume();
  const out = await handle.promise;
  assert.equal(out.ok, true, out.error);
  assert.deepEqual(out.result.merged.map((r) => r.cell), [0, 1, 2]);
  pool.terminate();
});

// A stand-in that behaves like host.js: one run advances at a time (starting or resuming one
// pauses the others), a paused run keeps its progress. Each run needs `ticks` ticks of 2 ms.
function hostLikeMaker(violations, started = []) {
  return async () => {
    const subscribers = new Set();
    const runs = new Map();
    let active = null;
    const send = (message) => subscribers.forEach((fn) => fn(message));
    const timer = setInterval(() => {
      const run = runs.get(active);
      if (!run) return;
      run.done += 1;
      if (run.done >= run.ticks) {
        active = null;
        send({ runId: run.id, state: 'done', progress: 1, result: { name: run.name } });
      }
    }, 2);
    const activate = (runId) => {
      if (active && active !== runId && runs.has(active)) violations.push(`${runId} started while ${active} was running on the same member`);
      active = runId;
    };
    return {
      kind: 'worker',
      onUpdate(fn) {
        subscribers.add(fn);
        return () => subscribers.delete(fn);
      },
      start(runId, spec) {
        started.push(spec.name);
        runs.set(runId, { id: runId, name: spec.name, ticks: spec.ticks, done: 0 });
        activate(runId);
      },
      pause(runId) {
        if (active === runId) active = null;
      },
      resume(runId) {
        activate(runId);
      },
      cancel(runId) {
        runs.delete(runId);
        if (active === runId) active = null;
      },
      resultJson: async () => ({ ok: true, error: '', value: '{}' }),
      hasCells: async () => ({ ok: true, error: '', value: true }),
      terminate() {
        clearInterval(timer);
      },
    };
  };
}

test('a paused run lends its member: another chapter\'s run goes on meanwhile, and the paused one resumes where it was', async () => {
  const violations = [];
  const started = [];
  const pool = await createPool({ size: 1, make: hostLikeMaker(violations, started) });
  try {
    const long = pool.run({ name: 'images cell', ticks: 60 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    long.pause();  // the page left the images chapter
    const order = [];
    long.promise.then(() => order.push('long'));
    const pair = pool.run({ name: 'live pair', ticks: 5 }, { first: true });
    const outPair = await Promise.race([pair.promise, new Promise((resolve) => setTimeout(() => resolve('held up'), 2000))]);
    assert.notEqual(outPair, 'held up', 'the live pair waited behind a paused run');
    assert.equal(outPair.ok, true);
    order.push('pair');
    // Resumed while its member is busy, a run waits its turn; resumed on a free member it goes on.
    const busyRun = pool.run({ name: 'sweep cell', ticks: 20 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    long.resume();
    await busyRun.promise;
    order.push('sweep');
    const outLong = await long.promise;
    assert.equal(outLong.ok, true);
    assert.deepEqual(order, ['pair', 'sweep', 'long']);
    assert.deepEqual(violations, [], 'two runs advanced at once on one member');
    assert.deepEqual(started, ['images cell', 'live pair', 'sweep cell'], 'a run was started again (its progress lost)');
  } finally {
    pool.terminate();
  }
});
