// The page's handle on the engine host: a module worker if one can be made, else a classic Blob
// worker (sandboxed iframes with an opaque origin, where URL workers and module Blob workers fail;
// the one-file build), else the main thread in short time slices.
import { fromHost, runState, toHost } from './protocol.js';
import { defaultModuleUrl, specText } from './engine.js';

/**
 * @template [V=any]
 * @typedef {import('./protocol.js').Outcome<V>} Outcome
 */
/** @typedef {import('./protocol.js').ToHostMessage} ToHostMessage */
/** @typedef {import('./protocol.js').FromHostMessage} FromHostMessage */
/** @typedef {import('./protocol.js').CallMessage} CallMessage */
/** @typedef {import('./protocol.js').CallArgs} CallArgs */
/** @typedef {import('./protocol.js').CallValues} CallValues */
/** @typedef {import('./protocol.js').CallName} CallName */
/** @typedef {import('./protocol.js').UpdateMessage} UpdateMessage */
/** @typedef {import('./protocol.js').ParsedUpdate} ParsedUpdate */
/** @typedef {import('./protocol.js').RunUpdate} RunUpdate */
/** @typedef {import('./protocol.js').RunId} RunId */
/** @typedef {'worker' | 'blob-worker' | 'main-thread'} RunnerKind */
/** @typedef {(message: FromHostMessage) => void} HostListener */
/**
 * One way to a loaded host: post a message to it, listen to what it sends.
 * @typedef {{ chapters: string[], post: (message: ToHostMessage) => void,
 *             listen: (fn: HostListener) => void, terminate: () => void }} Channel
 */

// An update carries the result as JSON text; it is parsed once, here (plain Arrays, null for NaN).
/** @param {UpdateMessage} message @returns {ParsedUpdate} */
function withResult(message) {
  let result = null;
  try {
    result = typeof message.json === 'string' ? JSON.parse(message.json) : null;
  } catch {
    result = null;
  }
  return { ...message, json: undefined, result };
}

const workerUrl = new URL('./worker.js', import.meta.url).href;
// The first chapter's module and the index of the full one's chapters (host.js: two tiers).
const firstModuleUrl = new URL('../generated/bnlab-first.mjs', import.meta.url).href;
const indexUrl = new URL('../generated/engine-index.json', import.meta.url).href;
// The engine host as one classic script (scripts/build-single.mjs): the one-file engine + worker.js.
const classicWorkerUrl = new URL('../generated/bnlab-worker.js', import.meta.url).href;
// The one-file build carries both texts in the page itself.
const inlineSource = () => {
  const engine = typeof document === 'object' && document.getElementById('bnlab-engine');
  const host = typeof document === 'object' && document.getElementById('bnlab-worker-host');
  return engine && host ? `${engine.textContent}\n;${host.textContent}` : null;
};
const readyTimeoutMs = 20000;

/**
 * @param {unknown} target
 * @param {(onMessage: HostListener, onError: (error: Error) => void) => void} listen
 * @returns {Promise<string[]>}
 */
function waitReady(target, listen) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('engine did not start in time')), readyTimeoutMs);
    listen((message) => {
      if (message?.type === fromHost.ready) {
        clearTimeout(timer);
        resolve(message.chapters);
      } else if (message?.type === fromHost.failed) {
        clearTimeout(timer);
        reject(new Error(message.error));
      }
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** @typedef {import('./protocol.js').InitMessage} InitMessage */

/** @param {string} url @param {InitMessage} init the init message @param {WorkerType} [type] @returns {Promise<Channel>} */
async function tryWorker(url, init, type = 'module') {
  const worker = new Worker(url, { type });
  /** @type {Set<HostListener>} */
  const listeners = new Set();
  worker.addEventListener('message', (event) => listeners.forEach((fn) => fn(event.data)));
  const chapters = await waitReady(worker, (onMessage, onError) => {
    listeners.add(onMessage);
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      onError(new Error(event.message || 'worker failed to load'));
    }, { once: true });
    worker.postMessage(init);
  }).catch((error) => {
    worker.terminate();
    throw error;
  });
  return {
    chapters,
    post: (message) => worker.postMessage(message),
    listen: (fn) => listeners.add(fn),
    terminate: () => worker.terminate(),
  };
}

async function classicSource() {
  const inline = inlineSource();
  if (inline) return inline;
  const response = await fetch(classicWorkerUrl);
  if (!response.ok) throw new Error(`${classicWorkerUrl}: HTTP ${response.status}`);
  return response.text();
}

/** @param {InitMessage} init */
async function blobWorker(init) {
  const url = URL.createObjectURL(new Blob([await classicSource()], { type: 'text/javascript' }));
  try {
    return await tryWorker(url, init, 'classic');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** @param {InitMessage} init @returns {Promise<Channel>} */
async function mainThread(init) {
  const { createHost } = await import('./host.js');
  /** @type {Set<HostListener>} */
  const listeners = new Set();
  // Messages are numbered as the host sends them: timers fired from a deep setTimeout chain (the
  // training ticks) are clamped to 4 ms while one set from a click is not, so a "paused" update
  // can overtake an older "running" one. wrapChannel drops an update older than one it has seen.
  // The result is parsed here, inside the host's publish, so that its cost counts against the
  // publish budget (on the main thread it takes time from training).
  let sent = 0;
  const handle = createHost((message) => {
    const parsed = message?.type === fromHost.update ? withResult(message) : message;
    const numbered = { ...parsed, seq: ++sent };
    setTimeout(() => listeners.forEach((fn) => fn(numbered)), 0);
  }, { targetMs: 16, postEveryMs: 120 });
  const chapters = await waitReady(null, (onMessage) => {
    listeners.add(onMessage);
    handle(init);
  });
  return {
    chapters,
    post: (message) => handle(message),
    listen: (fn) => listeners.add(fn),
    terminate: () => listeners.clear(),
  };
}

// Tries each way in turn; `prefer` ('worker' | 'blob-worker' | 'main-thread') forces one (tests;
// the page's ?engine=, so any text: one that names no way leaves none to try).
// `firstChapter` (a chapter id, or '' for none yet): the page's own runner starts on the first
// chapter's module when that chapter is in it (or none is named), and loads the full module when
// another chapter is asked for (host.js). Without it (pools, tests) the full module loads at once.
/** @param {{ moduleUrl?: string, prefer?: string | null, firstChapter?: string }} [options] */
export async function createRunner({ moduleUrl = defaultModuleUrl, prefer = null, firstChapter = undefined } = {}) {
  const single = inlineSource() !== null;
  const tiered = typeof firstChapter === 'string' && moduleUrl === defaultModuleUrl && !single;
  /** @type {InitMessage} */
  const init = { type: toHost.init, moduleUrl, ...(tiered ? { firstModuleUrl, indexUrl, firstChapter } : {}) };
  /** @type {Array<[RunnerKind, () => Promise<Channel>]>} */
  const ways = [
    ['worker', () => tryWorker(workerUrl, init)],
    ['blob-worker', () => blobWorker(init)],
    ['main-thread', () => mainThread(init)],
  ];
  // The one-file build has no worker.js to load: its engine is inlined.
  if (single) ways.shift();
  const attempts = ways.filter(([kind]) => !prefer || kind === prefer);
  /** @type {string[]} */
  const problems = [];
  for (const [kind, attempt] of attempts) {
    try {
      const channel = await attempt();
      return wrapChannel(kind, channel, problems);
    } catch (error) {
      problems.push(`${kind}: ${/** @type {Error} */ (error)?.message || error}`);
    }
  }
  throw new Error(`the training engine could not start (${problems.join('; ')})`);
}

/** The page's handle on a host (what createRunner resolves to). @typedef {ReturnType<typeof wrapChannel>} Runner */

/** @param {RunnerKind} kind @param {Channel} channel @param {string[]} problems */
function wrapChannel(kind, channel, problems) {
  let nextReq = 1;
  /** @type {Map<number, (outcome: Outcome) => void>} */
  const pending = new Map();
  /** @type {Set<(update: RunUpdate) => void>} */
  const subscribers = new Set();
  /** @type {Map<RunId, number>} */
  const lastSeq = new Map();
  channel.listen((message) => {
    if ((message?.type === fromHost.update || message?.type === fromHost.error) && message.seq !== undefined && message.runId !== undefined) {
      if (message.seq < (lastSeq.get(message.runId) ?? 0)) return;
      lastSeq.set(message.runId, message.seq);
    }
    if (message?.type === fromHost.reply) {
      pending.get(message.reqId)?.(message.outcome);
      pending.delete(message.reqId);
    } else if (message?.type === fromHost.update) {
      // (on the main thread the host's messages come parsed already: see mainThread)
      const update = 'result' in message ? /** @type {ParsedUpdate} */ (message) : withResult(message);
      subscribers.forEach((fn) => fn(update));
    } else if (message?.type === fromHost.error) {
      subscribers.forEach((fn) => fn({ ...message, state: runState.failed }));
    }
  });
  /**
   * @template {CallName} F
   * @param {F} fn @param {CallArgs[F]} [arg] @returns {Promise<Outcome<CallValues[F]>>}
   */
  const call = (fn, arg) => new Promise((resolve) => {
    const reqId = nextReq++;
    pending.set(reqId, resolve);
    channel.post(/** @type {CallMessage} */ ({ type: toHost.call, reqId, fn, arg }));
  });
  return {
    kind,
    problems,
    chapters: channel.chapters,
    /** @param {string} chapter */
    preset: (chapter) => call('preset', chapter),
    /** @param {unknown} spec an object or JSON text @returns {Promise<Outcome<CallValues['validate']>>} */
    validate: (spec) => {
      const { text, error } = specText(spec);  // NaN would become null in JSON.stringify
      return error !== undefined ? Promise.resolve({ ok: false, error, value: null }) : call('validate', text);
    },
    hasCells: () => call('hasCells'),
    /** @param {unknown} spec */
    cells: (spec) => call('cells', typeof spec === 'string' ? spec : JSON.stringify(spec)),
    /** @param {unknown} spec @param {string | unknown[]} results */
    merge: (spec, results) => call('merge', { spec: typeof spec === 'string' ? spec : JSON.stringify(spec), results }),
    /** @param {RunId} runId */
    resultJson: (runId) => call('resultJson', runId),
    /** @param {string} name @param {Uint8Array} bytes */
    provideData: (name, bytes) => call('provideData', { name, bytes }),
    heap: () => call('heap'),  // the wasm heap: {used, total} bytes (a read-only debug figure)
    /** @param {RunId} runId @param {unknown} spec an object or JSON text @param {{ paused?: boolean }} [options] */
    start: (runId, spec, { paused = false } = {}) => {
      const { text, error } = specText(spec);
      if (error !== undefined) setTimeout(() => subscribers.forEach((fn) => fn({ type: fromHost.error, runId, error, state: runState.failed })), 0);
      else channel.post({ type: toHost.start, runId, spec: text, paused });
    },
    /** @param {RunId} runId */
    resume: (runId) => channel.post({ type: toHost.resume, runId }),
    /** @param {RunId} runId */
    pause: (runId) => channel.post({ type: toHost.pause, runId }),
    /** @param {RunId} runId @param {number} [fraction] */
    step: (runId, fraction = 0.02) => channel.post({ type: toHost.step, runId, fraction }),
    /** @param {RunId} runId */
    cancel: (runId) => channel.post({ type: toHost.cancel, runId }),
    /** @param {(update: RunUpdate) => void} fn @returns {() => boolean} unsubscribes */
    onUpdate(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    terminate: () => channel.terminate(),
  };
}
