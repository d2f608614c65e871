// SCORM 1.2 (the lab as a package in an LMS: scripts/package-scorm.mjs). The runtime is found the
// usual way: an `API` object on this window's parents (at most 10 up), then on the opener and its
// parents. Each scored prediction becomes cmi.interactions.n.* (id, type, student_response, the
// measured result as correct_responses.0.pattern, result correct/wrong, latency); the score is the
// mean score of the lesson's chapters (0-100) and lesson_status becomes "completed" once every
// chapter of the lesson has a prediction scored (or skipped); LMSFinish on leaving the page.
// No runtime: nothing happens and nothing is logged. A runtime that refuses a call or throws: one
// console line (a warning), and the lab keeps working.
const maxDepth = 10;

// The SCORM 1.2 runtime's calls take text and answer text ("true" / "false", a value, an error code).
/** @typedef {(...args: string[]) => unknown} ScormFunction */
/**
 * @typedef {{ LMSInitialize: ScormFunction, LMSFinish: ScormFunction, LMSGetValue: ScormFunction,
 *   LMSSetValue: ScormFunction, LMSCommit: ScormFunction, LMSGetLastError: ScormFunction,
 *   LMSGetErrorString?: ScormFunction }} ScormApi
 */
/** @typedef {'LMSInitialize' | 'LMSFinish' | 'LMSGetValue' | 'LMSSetValue' | 'LMSCommit'} ScormCall */
/** @typedef {import('./predict.js').PredictionLog} PredictionLog */
/** @typedef {import('./predict.js').PredictionEntry} PredictionEntry */

/** @param {Window | null} win @returns {ScormApi | null} */
function apiOn(win) {
  try {
    const api = win?.API;
    return api && typeof api.LMSInitialize === 'function' ? api : null;
  } catch {
    return null;  // a cross-origin window: not ours to search
  }
}

// The usual search: parents up to maxDepth, then the opener's chain. null when there is none.
/** @param {Window} [win] @returns {ScormApi | null} */
export function findScormApi(win = window) {
  /** @param {Window} start */
  const climb = (start) => {
    let w = start;
    for (let depth = 0; w && depth <= maxDepth; depth += 1) {
      const api = apiOn(w);
      if (api) return api;
      /** @type {Window | null} */
      let parent = null;
      try {
        parent = w.parent;
      } catch {
        parent = null;
      }
      if (!parent || parent === w) break;
      w = parent;
    }
    return null;
  };
  /** @type {Window | null} */
  let opener = null;
  try {
    opener = win.opener;
  } catch {
    opener = null;
  }
  return climb(win) || (opener ? climb(opener) : null);
}

// CMITimespan of SCORM 1.2: HHHH:MM:SS.SS
/** @param {number} ms */
export function timespan(ms) {
  const total = Math.max(0, ms) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total - hours * 3600 - minutes * 60;
  return `${String(hours).padStart(4, '0')}:${String(minutes).padStart(2, '0')}:${seconds.toFixed(2).padStart(5, '0')}`;
}

// CMITime: HH:MM:SS
/** @param {Date} date */
const clock = (date) => date.toTimeString().slice(0, 8);

// SCORM 1.2 choice responses are short identifiers; a number is written as a decimal.
/** @param {unknown} value */
const response = (value) => (typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 255));

// The lesson's chapters: <meta name="bnlab-lesson" content="noise,regularization"> written by the
// package script (all chapters when absent or empty).
/** @param {Document | null | undefined} doc @param {string[]} all @returns {string[]} */
export function lessonChapters(doc, all) {
  const text = doc?.querySelector?.('meta[name="bnlab-lesson"]')?.getAttribute('content') || '';
  const wanted = text.split(',').map((s) => s.trim()).filter(Boolean);
  return wanted.length ? wanted.filter((id) => all.includes(id)) : [...all];
}

/**
 * @param {{ log: Pick<PredictionLog, 'entries' | 'subscribe'>, lesson: string[], win?: Window,
 *   warn?: (line: string) => void }} options
 * @returns {{ api: ScormApi, finish: () => void } | null} null without a runtime (or one that refuses to start)
 */
export function startScorm({ log, lesson, win = window, warn = (line) => console.warn(line) }) {
  const api = findScormApi(win);
  if (!api) return null;
  let dead = false;
  // One call to the runtime; false (and one warning line) when it refuses or throws.
  /** @param {ScormCall} name @param {...string} args @returns {unknown} the runtime's answer, false when refused */
  const call = (name, ...args) => {
    if (dead && name !== 'LMSFinish') return false;
    try {
      const out = api[name](...args);
      if (String(out) === 'false') {
        let code = '';
        try {
          code = String(api.LMSGetLastError());
          code = `${code}${api.LMSGetErrorString ? ` ${api.LMSGetErrorString(code)}` : ''}`;
        } catch {
          code = '?';
        }
        warn(`SCORM: ${name}(${args.map((a) => JSON.stringify(String(a)).slice(0, 60)).join(', ')}) was refused by the LMS (error ${code}); the lab keeps working`);
        return false;
      }
      return out;
    } catch (error) {
      const message = error && typeof error === 'object' && 'message' in error ? error.message : undefined;
      warn(`SCORM: ${name} threw (${message || error}); the lab keeps working without the LMS`);
      return false;
    }
  };
  if (call('LMSInitialize', '') === false) {
    dead = true;
    return null;
  }
  const status = call('LMSGetValue', 'cmi.core.lesson_status');
  if (!status || status === 'not attempted') call('LMSSetValue', 'cmi.core.lesson_status', 'incomplete');
  call('LMSSetValue', 'cmi.core.score.min', '0');
  call('LMSSetValue', 'cmi.core.score.max', '100');
  call('LMSCommit', '');

  /** @type {Set<string>} */
  const recorded = new Set();  // interactions are written once per question (SCORM 1.2 appends)
  let next = 0;
  /** @param {PredictionEntry} entry */
  function record(entry) {
    const key = `${entry.chapter}|${entry.id}`;
    if (recorded.has(key) || entry.skipped) return;
    recorded.add(key);
    const n = `cmi.interactions.${next++}`;
    call('LMSSetValue', `${n}.id`, entry.id);
    call('LMSSetValue', `${n}.time`, clock(new Date()));
    call('LMSSetValue', `${n}.type`, entry.kind === 'number' ? 'numeric' : 'choice');
    call('LMSSetValue', `${n}.student_response`, response(entry.answer));
    call('LMSSetValue', `${n}.correct_responses.0.pattern`, response(entry.measured));
    call('LMSSetValue', `${n}.result`, entry.correct ? 'correct' : 'wrong');
    call('LMSSetValue', `${n}.latency`, timespan(entry.latencyMs || 0));
  }
  function progress() {
    const entries = log.entries.filter((e) => lesson.includes(e.chapter));
    const done = lesson.filter((id) => entries.some((e) => e.chapter === id && (e.skipped || e.score !== null)));
    const total = entries.reduce((sum, e) => sum + (e.skipped ? 0 : e.score || 0), 0);
    call('LMSSetValue', 'cmi.core.score.raw', String(Math.round((100 * total) / Math.max(1, lesson.length))));
    if (done.length === lesson.length) call('LMSSetValue', 'cmi.core.lesson_status', 'completed');
    call('LMSCommit', '');
  }
  const unsubscribe = log.subscribe(({ type, entry }) => {
    if (!lesson.includes(entry.chapter)) return;
    if (type === 'score') record(entry);
    if (type === 'score' || entry.skipped) progress();
  });
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    call('LMSCommit', '');
    call('LMSFinish', '');
  };
  win.addEventListener('pagehide', finish);
  win.addEventListener('beforeunload', finish);
  return { api, finish };
}
