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

export const predictModes = Object.freeze(['ask', 'require', 'off']);

// predict=ask|require|off as given in a link; {value} or {error: one line}.
export function parsePredictMode(raw) {
  const text = String(raw ?? '').trim();
  if (predictModes.includes(text)) return { value: text };
  return { error: `page option predict "${clipText(text)}" must be one of ${predictModes.join(', ')}` };
}

// A question's declaration checked once (chapters are code, but a typo should say where it is).
export function questionProblems(q) {
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

const unitText = (unit) => (unit ? ` ${unit}` : '');
export const formatAnswer = (q, value) => {
  if (q.kind === 'choice') return q.choices.find((c) => c.value === value)?.label ?? String(value);
  return `${value}${unitText(q.range?.unit)}`;
};

// The student's answer as typed or picked; {value} or {error} (one line naming the field).
export function parseAnswer(q, raw) {
  const field = q.kind === 'number' ? `Your prediction (${q.range?.unit || 'number'})` : 'Your prediction';
  if (q.kind === 'choice') {
    const text = raw === undefined || raw === null ? '' : String(raw);
    if (!text) return { error: `${field}: pick one of the answers first` };
    const match = q.choices.find((c) => String(c.value) === text);
    if (!match) return { error: `${field} "${clipText(text)}" must be one of ${q.choices.map((c) => c.value).join(', ')}` };
    return { value: match.value };
  }
  const text = String(raw ?? '').trim();
  if (!text) return { error: `${field}: type a number first` };
  const parsed = parseNumber(text);
  if (parsed.error) return { error: `${field} "${clipText(text)}" ${parsed.error}` };
  const { min, max, unit } = q.range;
  if (parsed.value < min || parsed.value > max) return { error: `${field} "${clipText(text)}" must be between ${min} and ${max}${unitText(unit)}` };
  return { value: parsed.value };
}

// Scoring helpers for chapters.
// A number: full marks at the measurement, falling linearly to 0 at 2 × tolerance; correct within it.
export function numberScore(tolerance) {
  return (answer, measured) => {
    const err = Math.abs(answer - measured.value);
    return { correct: err <= tolerance * (1 + 1e-9), score: Math.max(0, Math.min(1, 1 - err / (2 * tolerance))) };
  };
}
// A choice: right or wrong.
export const choiceScore = (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 });

// The question evaluated against a result: null while the run has not measured it.
export function evaluate(q, answer, result, context = {}) {
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
export function createPredictionLog() {
  const entries = [];
  const listeners = new Set();
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
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    // {chapter, question, kind, answer, answerText, latencyMs, skipped}
    predict(entry) {
      const row = { measured: null, measuredText: '', correct: null, score: null, explanation: '', ...entry, at: new Date().toISOString() };
      const old = entries.findIndex((e) => e.chapter === row.chapter && e.id === row.id);
      if (old >= 0) entries.splice(old, 1);
      entries.push(row);
      emit('prediction', row);
      return row;
    },
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
