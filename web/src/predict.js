// Predict, then run (DOM-free): a chapter's question, the student's answer checked against the
// question's range or choices, the measurement read from the run's result, the score and a short
// explanation, and the session's log of predictions (exported, posted to a host, sent to an LMS).
//
// A chapter module may declare
//   predict: { id, question, kind: 'choice' | 'number', choices?: [{value, label}],
//              range?: {min, max, unit, step?}, missing?: 'why the run may not measure it',
//              measure(result, {values}) -> {value, text} | null   (null: the run has no such number),
//              score(answer, measured) -> {correct, score 0..1},
//              explain(answer, measured) -> two sentences quoting the run's own numbers }
// Nothing here touches the DOM or storage (a sandboxed frame has none).
import { clipText, parseNumber } from './state.js';

/** @typedef {import('./chapters/chapter-types').PredictQuestion} PredictQuestion */
/** @typedef {import('./chapters/chapter-types').Answer} Answer */
/** @typedef {import('./chapters/chapter-types').Measured} Measured */
/** @typedef {import('./chapters/chapter-types').Values} Values */
/** What a question scored against a run (evaluate). @typedef {{ measured: Measured, correct: boolean, score: number, explanation: string }} Outcome */
/**
 * What the student answered (the view records it; `answer` null when skipped).
 * @typedef {{ chapter: string, id: string, question: string, kind: PredictQuestion['kind'],
 *   answer: Answer | null, answerText: string, latencyMs: number, skipped: boolean }} Prediction
 */
/**
 * One row of the log: the prediction, then what the run measured (null / '' until scored) and when.
 * @typedef {Prediction & { measured: Answer | null, measuredText: string, correct: boolean | null,
 *   score: number | null, explanation: string, at: string }} PredictionEntry
 */
/** What listeners hear. @typedef {{ type: 'prediction' | 'score', entry: PredictionEntry }} PredictionEvent */

/** @type {readonly string[]} */
export const predictModes = Object.freeze(['ask', 'require', 'off']);

// predict=ask|require|off as given in a link; {value} or {error: one line}.
/** @param {unknown} raw @returns {{ value: string, error?: undefined } | { value?: undefined, error: string }} */
export function parsePredictMode(raw) {
  const text = String(raw ?? '').trim();
  if (predictModes.includes(text)) return { value: text };
  return { error: `page option predict "${clipText(text)}" must be one of ${predictModes.join(', ')}` };
}

// A question's declaration checked once (chapters are code, but a typo should say where it is).
// Takes anything (a chapter's declaration is checked, not trusted): a record read by field name.
/** @param {any} q @returns {string[]} */
export function questionProblems(q) {
  /** @type {string[]} */
  const problems = [];
  if (!q || typeof q !== 'object') return ['predict must be an object'];
  if (typeof q.id !== 'string' || !/^[a-z0-9-]+$/.test(q.id)) problems.push('predict.id must be a short lower-case id');
  if (typeof q.question !== 'string' || !q.question) problems.push('predict.question must be a sentence');
  if (q.kind === 'choice') {
    if (!Array.isArray(q.choices) || q.choices.length < 2) problems.push('predict.choices needs at least two {value, label}');
  } else if (q.kind === 'number') {
    const r = q.range;
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max) || !(r.min < r.max)) problems.push('predict.range needs finite min < max');
  } else problems.push('predict.kind must be choice or number');
  for (const fn of ['measure', 'score', 'explain']) if (typeof q[fn] !== 'function') problems.push(`predict.${fn} must be a function`);
  return problems;
}

/** @param {string | undefined} unit */
const unitText = (unit) => (unit ? ` ${unit}` : '');
/** @param {PredictQuestion} q @param {Answer | null} value @returns {string} */
export const formatAnswer = (q, value) => {
  if (q.kind === 'choice') return (q.choices ?? []).find((c) => c.value === value)?.label ?? String(value);
  return `${value}${unitText(q.range?.unit)}`;
};

// The student's answer as typed or picked; {value} or {error} (one line naming the field).
/** @param {PredictQuestion} q @param {unknown} raw @returns {{ value: Answer, error?: undefined } | { value?: undefined, error: string }} */
export function parseAnswer(q, raw) {
  const field = q.kind === 'number' ? `Your prediction (${q.range?.unit || 'number'})` : 'Your prediction';
  if (q.kind === 'choice') {
    const text = raw === undefined || raw === null ? '' : String(raw);
    if (!text) return { error: `${field}: pick one of the answers first` };
    const choices = q.choices ?? [];
    const match = choices.find((c) => String(c.value) === text);
    if (!match) return { error: `${field} "${clipText(text)}" must be one of ${choices.map((c) => c.value).join(', ')}` };
    return { value: match.value };
  }
  const text = String(raw ?? '').trim();
  if (!text) return { error: `${field}: type a number first` };
  const parsed = parseNumber(text);
  if (parsed.error !== undefined) return { error: `${field} "${clipText(text)}" ${parsed.error}` };
  // questionProblems requires a range of a number question.
  const { min, max, unit } = /** @type {NonNullable<PredictQuestion['range']>} */ (q.range);
  if (parsed.value < min || parsed.value > max) return { error: `${field} "${clipText(text)}" must be between ${min} and ${max}${unitText(unit)}` };
  return { value: parsed.value };
}

// Scoring helpers for chapters.
// A number: full marks at the measurement, falling linearly to 0 at 2 × tolerance; correct within it.
/** @param {number} tolerance @returns {PredictQuestion['score']} */
export function numberScore(tolerance) {
  return (answer, measured) => {
    const err = Math.abs(answer - Number(measured.value));  // a number question measures a number
    return { correct: err <= tolerance * (1 + 1e-9), score: Math.max(0, Math.min(1, 1 - err / (2 * tolerance))) };
  };
}
// A choice: right or wrong.
/** @type {PredictQuestion['score']} */
export const choiceScore = (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 });

// The question evaluated against a result: null while the run has not measured it.
/**
 * @param {PredictQuestion} q @param {Answer} answer @param {unknown} result the run's result (engine JSON)
 * @param {{ values?: Values }} [context] @returns {Outcome | null}
 */
export function evaluate(q, answer, result, context = {}) {
  /** @type {Measured | null} */
  let measured = null;
  try {
    measured = result ? q.measure(result, context) : null;
  } catch {
    measured = null;
  }
  if (!measured || measured.value === undefined || measured.value === null || (typeof measured.value === 'number' && !Number.isFinite(measured.value))) return null;
  const { correct, score } = q.score(answer, measured);
  return { measured, correct: !!correct, score: Math.max(0, Math.min(1, Number(score) || 0)), explanation: q.explain(answer, measured) };
}

// The session's predictions: one entry per chapter question answered (or skipped), in order.
// Listeners hear {type: 'prediction' | 'score', entry}.
/** @typedef {ReturnType<typeof createPredictionLog>} PredictionLog */
export function createPredictionLog() {
  /** @type {PredictionEntry[]} */
  const entries = [];
  /** @type {Set<(event: PredictionEvent) => void>} */
  const listeners = new Set();
  /** @param {PredictionEvent['type']} type @param {PredictionEntry} entry */
  const emit = (type, entry) => {
    for (const fn of listeners) {
      try {
        fn({ type, entry: { ...entry } });
      } catch (error) {
        console.warn('prediction listener failed', error);
      }
    }
  };
  return {
    get entries() {
      return entries.map((e) => ({ ...e }));
    },
    /** @param {(event: PredictionEvent) => void} fn @returns {() => boolean} unsubscribes */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    // {chapter, question, kind, answer, answerText, latencyMs, skipped}
    /** @param {Prediction} entry @returns {PredictionEntry} */
    predict(entry) {
      /** @type {PredictionEntry} */
      const row = { measured: null, measuredText: '', correct: null, score: null, explanation: '', ...entry, at: new Date().toISOString() };
      const old = entries.findIndex((e) => e.chapter === row.chapter && e.id === row.id);
      if (old >= 0) entries.splice(old, 1);
      entries.push(row);
      emit('prediction', row);
      return row;
    },
    /** @param {string} chapter @param {string} id @param {Outcome} outcome @returns {PredictionEntry | null} */
    score(chapter, id, outcome) {
      const row = entries.find((e) => e.chapter === chapter && e.id === id);
      if (!row) return null;
      Object.assign(row, { measured: outcome.measured.value, measuredText: outcome.measured.text, correct: outcome.correct, score: outcome.score, explanation: outcome.explanation });
      emit('score', row);
      return row;
    },
    // For export.js's toCsv / toJson.
    table() {
      const columns = ['chapter', 'question_id', 'question', 'prediction', 'skipped', 'latency_s', 'measured', 'measured_text', 'correct', 'score', 'explanation', 'at'];
      const rows = entries.map((e) => [e.chapter, e.id, e.question, e.skipped ? '' : e.answer, e.skipped ? 'yes' : 'no',
        Math.round((e.latencyMs || 0) / 100) / 10, e.measured, e.measuredText, e.correct === null ? '' : e.correct ? 'yes' : 'no', e.score, e.explanation, e.at]);
      return { columns, rows };
    },
  };
}

// The page's one log (the view records into it; embed, export and the SCORM adapter read it).
export const predictionLog = createPredictionLog();
