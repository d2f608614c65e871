// Embedding: the page options of the URL (nav, controls) and the postMessage protocol with the
// page around the frame. Protocol version 1 (docs/web.md, "Embedding"):
//   lab -> parent  {type: 'bnlab:ready', version, chapter, chapters}
//                  {type: 'bnlab:resize', version, height}   (+ Canvas's lti.frameResize); shrinks too
//                  {type: 'bnlab:progress', version, chapter, state, progress}   (state changes, 10% steps)
//                  {type: 'bnlab:result', version, chapter, takeaway}            (a run finished)
//                  {type: 'bnlab:prediction', version, chapter, question, text, kind, answer, skipped, latencyMs}
//                  {type: 'bnlab:score', version, chapter, question, answer, measured, measuredText, correct, score, explanation}
//                  {type: 'bnlab:error', version, message}                       (a message was refused)
//   parent -> lab  {type: 'bnlab:play'}  {type: 'bnlab:pause'}  {type: 'bnlab:resume'}
//                  {type: 'bnlab:load', chapter, settings: {key: value}}  ('bnlab:set-preset' is the same)
// Only messages whose source is the parent window are obeyed; nothing the host sends moves the
// host's focus or scroll (the lab never calls focus() or scrolls for a host message).
export const protocolVersion = 1;

/** @typedef {import('./predict.js').PredictionEntry} PredictionEntry */

export function isEmbedded() {
  try {
    return window.parent !== window;
  } catch {
    return true;
  }
}

// Page options share the hash with the chapter's settings: #noise?inspect=64&nav=0&controls=lock
/** @typedef {'nav' | 'controls' | 'predict'} PageOptionKey */
/** @typedef {{ values: string[], fallback: string, meaning: string }} PageOptionSpec */
/** Each page option's value (one of its spec's values). @typedef {Record<PageOptionKey, string>} PageOptions */
/** @type {Readonly<Record<PageOptionKey, PageOptionSpec>>} */
export const pageOptionSpecs = Object.freeze({
  nav: { values: ['1', '0'], fallback: '1', meaning: 'chapter links and pager: 1 shown, 0 hidden (one chapter only)' },
  controls: { values: ['show', 'lock', 'hide'], fallback: 'show', meaning: 'the chapter\'s settings: shown, locked (visible, not changeable) or hidden; Run stays' },
  predict: { values: ['ask', 'require', 'off'], fallback: 'ask', meaning: 'a prediction before the result: asked (skippable), required (nothing revealed until made) or off' },
});

/** @param {string} key @returns {key is PageOptionKey} */
const isPageOption = (key) => Object.hasOwn(pageOptionSpecs, key);

// Splits hash params into page options and the chapter's own; bad option values are reported.
// (Only the options' own keys: a param named "toString" is the chapter's, not an inherited spec.)
/** @param {Iterable<[string, string]>} params */
export function readPageOptions(params) {
  // Every option at its fallback (fromEntries of all the spec's keys: a PageOptions).
  const options = /** @type {PageOptions} */ (Object.fromEntries(Object.entries(pageOptionSpecs).map(([k, spec]) => [k, spec.fallback])));
  /** @type {Array<[string, string]>} */
  const rest = [];
  /** @type {string[]} */
  const problems = [];
  for (const [key, value] of params) {
    if (!isPageOption(key)) {
      rest.push([key, value]);
      continue;
    }
    const spec = pageOptionSpecs[key];
    if (spec.values.includes(value)) options[key] = value;
    else problems.push(`page option ${key} "${value}" must be one of ${spec.values.join(', ')}; using ${spec.fallback}`);
  }
  return { options, rest, problems };
}

// The options that differ from their defaults, as a query string fragment ('' if none).
/** @param {Partial<PageOptions>} options */
export function writePageOptions(options) {
  const params = new URLSearchParams();
  for (const [key, spec] of /** @type {Array<[PageOptionKey, PageOptionSpec]>} */ (Object.entries(pageOptionSpecs))) {
    const value = options[key];
    if (value !== undefined && value !== spec.fallback) params.set(key, value);
  }
  return params.toString();
}

/** @param {PageOptions} options @param {HTMLElement} [root] */
export function applyPageOptions(options, root = document.documentElement) {
  root.dataset.nav = options.nav === '0' ? 'hidden' : 'shown';
  root.dataset.controls = options.controls;
}

// The messages the lab posts to its host (the protocol above; `version` is added by send).
/**
 * @typedef {{ type: 'bnlab:ready', chapter: string, chapters: string[] }
 *   | { type: 'bnlab:resize', height: number }
 *   | { type: 'bnlab:progress', chapter: string, state: string, progress: number }
 *   | { type: 'bnlab:result', chapter: string, takeaway: unknown }
 *   | { type: 'bnlab:prediction', chapter: string, question: string, text: string, kind: string,
 *       answer: unknown, skipped: boolean, latencyMs: number | undefined }
 *   | { type: 'bnlab:score', chapter: string, question: string, answer: unknown, measured: unknown,
 *       measuredText: string, correct: boolean | null, score: number | null, explanation: string }
 *   | { type: 'bnlab:error', message: string }} LabMessage
 */
/**
 * What the page does for the host's messages; onLoad returns a one-line problem, or nothing.
 * @typedef {{ onPlay?: () => void, onPause?: () => void, onResume?: () => void,
 *   onLoad?: (chapter: string, settings: Record<string, unknown>) => string | null | undefined | void,
 *   chapters?: string[], current?: () => string }} EmbedHandlers
 */
/** The page's calls to the host (no-ops when not embedded). @typedef {ReturnType<typeof startEmbed>} Embed */

/** @param {EmbedHandlers} handlers */
export function startEmbed({ onPlay, onPause, onResume, onLoad, chapters = [], current = () => '' }) {
  if (!isEmbedded()) return { progress() {}, result() {}, prediction() {}, score() {}, stop() {} };
  /** @param {LabMessage} message */
  const send = (message) => {
    try {
      window.parent.postMessage({ ...message, version: protocolVersion }, '*');
    } catch {
      // the parent may refuse messages; the page works without them
    }
  };
  let last = 0;
  const post = () => {
    // The document's own height (not scrollHeight, which never drops below the frame's height).
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (Math.abs(height - last) < 2) return;
    last = height;
    send({ type: 'bnlab:resize', height });
    try {
      window.parent.postMessage(JSON.stringify({ subject: 'lti.frameResize', height }), '*');
    } catch {
      // as above
    }
  };
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(post) : null;
  observer?.observe(document.documentElement);
  observer?.observe(document.body);
  post();
  /** @param {MessageEvent} event */
  const onMessage = (event) => {
    if (event.source !== window.parent) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || typeof data.type !== 'string' || !data.type.startsWith('bnlab:')) return;
    if (data.version !== undefined && data.version !== protocolVersion) {
      send({ type: 'bnlab:error', message: `protocol version ${data.version} is not supported (this lab speaks version ${protocolVersion})` });
      return;
    }
    if (data.type === 'bnlab:play') onPlay?.();
    else if (data.type === 'bnlab:pause') onPause?.();
    else if (data.type === 'bnlab:resume') onResume?.();
    else if (data.type === 'bnlab:load' || data.type === 'bnlab:set-preset') {
      const settings = data.settings && typeof data.settings === 'object' ? data.settings : {};
      const problem = onLoad?.(String(data.chapter || ''), settings);
      if (problem) send({ type: 'bnlab:error', message: problem });
    } else send({ type: 'bnlab:error', message: `unknown message type "${data.type}"` });
  };
  window.addEventListener('message', onMessage);
  document.documentElement.classList.add('embedded');
  send({ type: 'bnlab:ready', chapter: current(), chapters });
  /** @type {string | null} */
  let lastProgress = null;
  return {
    // Called on every run update; passed on at state changes and 10% steps.
    /** @param {string} chapter @param {string} state @param {number | null | undefined} fraction */
    progress(chapter, state, fraction) {
      const step = Math.floor((fraction || 0) * 10);
      const key = `${chapter}|${state}|${step}`;
      if (key === lastProgress) return;
      lastProgress = key;
      send({ type: 'bnlab:progress', chapter, state, progress: Math.round((fraction || 0) * 1000) / 1000 });
    },
    /** @param {string} chapter @param {unknown} takeaway */
    result(chapter, takeaway) {
      send({ type: 'bnlab:result', chapter, takeaway });
    },
    // Predict, then run (predict.js's log entries): what the student predicted, then how it scored.
    /** @param {PredictionEntry} entry */
    prediction(entry) {
      send({ type: 'bnlab:prediction', chapter: entry.chapter, question: entry.id, text: entry.question, kind: entry.kind, answer: entry.answer, skipped: !!entry.skipped, latencyMs: entry.latencyMs });
    },
    /** @param {PredictionEntry} entry */
    score(entry) {
      send({ type: 'bnlab:score', chapter: entry.chapter, question: entry.id, answer: entry.answer, measured: entry.measured, measuredText: entry.measuredText, correct: entry.correct, score: entry.score, explanation: entry.explanation });
    },
    stop() {
      observer?.disconnect();
      window.removeEventListener('message', onMessage);
    },
  };
}

// Storage is unavailable in sandboxed frames: every access is guarded.
export function safeStorage() {
  try {
    const store = window.localStorage;
    store.getItem('bnlab');
    return store;
  } catch {
    return null;
  }
}
