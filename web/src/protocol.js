// Messages between the page and the engine host (a worker, or the main-thread fallback).
// The shapes below are checked by `npm run test:types` (tsc --checkJs); the names are the `type`
// field of each message.

/**
 * What every engine call returns: errors are values, never exceptions.
 * @template [V=any]
 * @typedef {{ ok: boolean, error: string, value: V | null }} Outcome
 */

/** @typedef {'idle' | 'running' | 'paused' | 'done' | 'failed'} RunState */

/**
 * A run's name, chosen by the page and only compared by the host: the panel sends
 * `${chapter}-${n}`, the pool `pool${n}-${m}`. (Text, never a number: a name read back from a
 * message, a Map key or a data attribute stays the same value.)
 * @typedef {string} RunId
 */

/**
 * A chapter's result: the core's result JSON, parsed (plain Arrays, null for NaN). Its shape is
 * the chapter's own (the chapter module reads it); the page treats it as opaque.
 * @typedef {any} ResultJson
 */

// ---- page -> host -------------------------------------------------------------------------------
/**
 * Load the module from moduleUrl; with firstModuleUrl and indexUrl, start on the first chapter's
 * module and load moduleUrl when another chapter is asked for (host.js), unless firstChapter (the
 * chapter the page opens on, '' = none yet) is not in it.
 * @typedef {{ type: 'init', moduleUrl: string, firstModuleUrl?: string, indexUrl?: string, firstChapter?: string }} InitMessage
 */
/**
 * JSON text the core wrote, parsed (a spec, a validated spec, a list of cell specs): its shape is
 * the core's (native/), not checked here.
 * @typedef {any} ParsedJson
 */
/**
 * Each call's argument (the page's side) and its outcome's value (the host's side).
 * @typedef {{
 *   preset: string, validate: string, chapters: undefined, hasCells: undefined, cells: string,
 *   merge: { spec: string, results: string | unknown[] }, resultJson: RunId,
 *   provideData: { name: string, bytes: Uint8Array }, heap: undefined }} CallArgs
 * @typedef {{
 *   preset: ParsedJson, validate: ParsedJson, chapters: string[], hasCells: boolean,
 *   cells: ParsedJson, merge: string, resultJson: string, provideData: null,
 *   heap: { used: number, total: number, module?: 'first' | 'full' } | null }} CallValues
 * @typedef {keyof CallArgs} CallName
 */
/**
 * One request answered by one ReplyMessage with the same reqId.
 * @typedef {{ [F in CallName]: { type: 'call', reqId: number, fn: F, arg?: CallArgs[F] } }[CallName]} CallMessage
 */
/**
 * A new run (replacing any run with the same runId); spec is the spec's JSON text.
 * @typedef {{ type: 'start', runId: RunId, spec: string, paused?: boolean }} StartMessage
 */
/** @typedef {{ type: 'resume' | 'pause' | 'cancel', runId: RunId }} RunMessage */
/**
 * Advance a paused run by about `fraction` of its progress (clamped to [0.001, 1]).
 * @typedef {{ type: 'step', runId: RunId, fraction: number }} StepMessage
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
 * @typedef {{ type: 'update', runId: RunId, json?: string, result?: ResultJson, progress: number,
 *             state: RunState, units: number, elapsedMs: number, publishMs?: number,
 *             postEveryMs?: number, seq?: number }} UpdateMessage
 */
/** @typedef {{ type: 'error', runId?: RunId, error: string, seq?: number }} ErrorMessage */
/** @typedef {ReadyMessage | FailedMessage | ReplyMessage | UpdateMessage | ErrorMessage} FromHostMessage */

// ---- runner -> page (runner.js onUpdate) ---------------------------------------------------------
/**
 * An update with its JSON text parsed once into `result` (null when there is none yet).
 * @typedef {Omit<UpdateMessage, 'json' | 'result'> & { json?: undefined, result: ResultJson }} ParsedUpdate
 */
/** @typedef {ErrorMessage & { state: 'failed' }} FailedUpdate  an error, seen as a failed run */
/** @typedef {ParsedUpdate | FailedUpdate} RunUpdate */

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
