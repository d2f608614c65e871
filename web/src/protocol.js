// Messages between the page and the engine host (a worker, or the main-thread fallback).
// The shapes below are checked by `npm run test:types` (tsc --checkJs); the names are the `type`
// field of each message.

/**
 * What every engine call returns: errors are values, never exceptions.
 * @template [V=any]
 * @typedef {{ ok: boolean, error: string, value: V | null }} Outcome
 */

/** @typedef {'idle' | 'running' | 'paused' | 'done' | 'failed'} RunState */

// ---- page -> host -------------------------------------------------------------------------------
/** @typedef {{ type: 'init', moduleUrl: string }} InitMessage  load the module from moduleUrl */
/**
 * One request answered by one ReplyMessage with the same reqId (provideData: arg = {name, bytes}).
 * @typedef {{ type: 'call', reqId: number, fn: 'preset' | 'validate' | 'chapters' | 'hasCells' | 'cells' | 'merge' | 'resultJson' | 'provideData' | 'heap', arg?: any }} CallMessage
 */
/**
 * A new run (replacing any run with the same runId); spec is the spec's JSON text.
 * @typedef {{ type: 'start', runId: number, spec: string, paused?: boolean }} StartMessage
 */
/** @typedef {{ type: 'resume' | 'pause' | 'cancel', runId: number }} RunMessage */
/**
 * Advance a paused run by about `fraction` of its progress (clamped to [0.001, 1]).
 * @typedef {{ type: 'step', runId: number, fraction: number }} StepMessage
 */
/** @typedef {InitMessage | CallMessage | StartMessage | RunMessage | StepMessage} ToHostMessage */

// ---- host -> page -------------------------------------------------------------------------------
/** @typedef {{ type: 'ready', chapters: string[] }} ReadyMessage  the engine is loaded */
/** @typedef {{ type: 'failed', error: string }} FailedMessage  the engine could not load */
/** @typedef {{ type: 'reply', reqId: number, outcome: Outcome }} ReplyMessage */
/**
 * The state of a run. `json` is the core's result JSON text, parsed once by the page (runner.js
 * turns it into `result`); progress is in [0, 1]; units and elapsedMs describe the time slices so
 * far; publishMs is the time spent publishing and postEveryMs the publish interval now in force.
 * @typedef {{ type: 'update', runId: number, json?: string, result?: any, progress: number,
 *             state: RunState, units: number, elapsedMs: number, publishMs?: number,
 *             postEveryMs?: number, seq?: number }} UpdateMessage
 */
/** @typedef {{ type: 'error', runId?: number, error: string }} ErrorMessage */
/** @typedef {ReadyMessage | FailedMessage | ReplyMessage | UpdateMessage | ErrorMessage} FromHostMessage */

export const toHost = Object.freeze({
  init: 'init',
  call: 'call',
  start: 'start',
  resume: 'resume',
  pause: 'pause',
  step: 'step',
  cancel: 'cancel',
});

export const fromHost = Object.freeze({
  ready: 'ready',
  failed: 'failed',
  reply: 'reply',
  update: 'update',
  error: 'error',
});

export const runState = Object.freeze({
  idle: 'idle',
  running: 'running',
  paused: 'paused',
  done: 'done',
  failed: 'failed',
});
