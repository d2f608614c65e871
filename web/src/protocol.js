// Messages between the page and the engine host (a worker, or the main-thread fallback).
// page -> host: {type, runId?, reqId?, ...}; host -> page: {type, runId?, reqId?, ...}.
export const toHost = Object.freeze({
  init: 'init',           // {moduleUrl}
  call: 'call',           // {reqId, fn: 'preset'|'validate'|'chapters'|'provideData', arg} (provideData: arg = {name, bytes})
  start: 'start',         // {runId, spec}
  resume: 'resume',       // {runId}
  pause: 'pause',         // {runId}
  step: 'step',           // {runId, fraction}
  cancel: 'cancel',       // {runId}
});

export const fromHost = Object.freeze({
  ready: 'ready',         // {chapters}
  failed: 'failed',       // {error}: the engine could not load
  reply: 'reply',         // {reqId, outcome}
  update: 'update',       // {runId, packed, progress, state, units, elapsedMs}
  error: 'error',         // {runId, error}
});

export const runState = Object.freeze({
  idle: 'idle',
  running: 'running',
  paused: 'paused',
  done: 'done',
  failed: 'failed',
});
