// The "Predict first" box of a chapter (the model is web/src/predict.js). The question comes before
// the result: a run may start at once, but the takeaway, the charts and the paragraphs that give the
// answer away stay hidden ([data-reveal=waiting] on the chapter's section, styles.css) until the
// student commits a prediction or skips (page option predict=ask), or commits one (predict=require).
// After the run the prediction stands beside the measurement with a score and the explanation.
// Native radio buttons or a labelled text field: keyboard and screen-reader operable; no storage.
import { h, clear } from '../dom.js';
import { download, toCsv, toJson } from '../export.js';
import { evaluate, formatAnswer, parseAnswer, predictionLog } from '../predict.js';
import { pct } from '../format.js';
import { predictPointMaker } from './parts.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

// Every answer of the session, as a file (the class's view: docs/teaching.md says how to read it).
/** @param {'csv' | 'json'} format @param {import('../predict.js').PredictionLog} [log] */
export function exportPredictions(format, log = predictionLog) {
  const table = log.table();
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  if (format === 'json') return download(new Blob([toJson(table)], { type: 'application/json' }), `bnlab-predictions-${stamp}.json`);
  return download(new Blob([toCsv(table)], { type: 'text/csv' }), `bnlab-predictions-${stamp}.csv`);
}

/** @typedef {import('../chapters/chapter-types').PredictQuestion} PredictQuestion */
/** @typedef {import('../chapters/chapter-types').Answer} Answer */
/** @typedef {import('../chapters/chapter-types').Values} Values */
/**
 * Made only for a chapter that declares a question (predict is there).
 * @param {import('../chapters/chapter-types').ChapterModule & { predict: PredictQuestion }} chapter
 * @param {{announce?: (message: string, level?: 'info' | 'warn' | 'error') => void, log?: import('../predict.js').PredictionLog}} [options]
 */
export function createPredictionView(chapter, { announce = () => {}, log = predictionLog } = {}) {
  const q = chapter.predict;
  const id = chapter.id;
  const titleId = `predict-title-${id}`;
  const errorId = `predict-error-${id}`;
  let mode = 'ask';
  /** @type {HTMLElement | null} */
  let section = null;
  /** @type {{ value: Answer | null, skipped: boolean } | null} */
  let answer = null;  // {value, skipped}
  let shownAt = now();
  /** @type {unknown} the last finished run's result (engine JSON) */
  let lastResult = null;
  /** @type {{ values?: Values, precomputed?: boolean }} */
  let lastContext = {};

  const error = h('p', { class: 'predict-error', id: errorId, role: 'alert', hidden: true });
  /** @type {() => string} */
  let readAnswer;
  /** @type {HTMLElement} */
  let inputs;
  /** @type {import('../charts/predict-point.js').PredictPoint | null} */
  let point = null;
  if (q.kind === 'choice') {
    const choices = /** @type {NonNullable<PredictQuestion['choices']>} */ (q.choices);  // a choice question has them
    const radios = choices.map((c, i) => h('input', { type: 'radio', name: `predict-${id}`, id: `predict-${id}-${i}`, value: String(c.value) }));
    inputs = h('fieldset', { class: 'predict-choices' }, [
      h('legend', { text: q.question }),
      ...choices.map((c, i) => h('div', { class: 'predict-choice' }, [radios[i], h('label', { for: radios[i].id, text: c.label })])),
    ]);
    readAnswer = () => radios.find((r) => r.checked)?.value ?? '';
  } else {
    const { min, max, unit, step } = /** @type {NonNullable<PredictQuestion['range']>} */ (q.range);  // a number question has one
    const field = h('input', { type: 'text', inputmode: 'decimal', id: `predict-${id}-number`, autocomplete: 'off', 'aria-describedby': `predict-${id}-range`, size: 8, 'data-step': step ?? '' });
    // A point question (predict.point) is also answered on a chart in the chapter's own terms
    // (charts/predict-point.js): dragged, tapped or moved by the arrow keys, in sync with the field.
    if (q.point) {
      point = predictPointMaker()({
        id, question: q.question, range: /** @type {NonNullable<PredictQuestion['range']>} */ (q.range), spec: q.point,
        onInput(value) {
          field.value = String(value);
          error.hidden = true;
        },
        onProblem: (text) => showError(text),
        onCommit: () => commitAnswer(),
      });
      field.addEventListener('input', () => {
        const text = field.value.trim();
        if (!text) return point?.set(null);
        const parsed = parseAnswer(q, text);
        if (parsed.error) return showError(parsed.error);
        error.hidden = true;
        point?.set(/** @type {number} */ (parsed.value));  // a point question is a number question
      });
    }
    inputs = h('div', { class: 'predict-number' }, [
      h('p', { class: 'predict-question', text: q.question }),
      point ? point.node : null,
      h('label', { for: field.id, text: `Your prediction (${unit || 'number'})` }),
      ' ', field,
      h('span', { class: 'hint', id: `predict-${id}-range`, text: ` between ${min} and ${max}${unit ? ` ${unit}` : ''}` }),
    ]);
    readAnswer = () => field.value;
  }
  // type=button and Enter handled here: a sandboxed frame without allow-forms never fires submit.
  const commit = h('button', { type: 'button', class: 'primary', 'data-action': 'predict', text: 'Commit my prediction' });
  const skip = h('button', { type: 'button', 'data-action': 'skip', text: 'Skip, just show me' });
  const form = h('form', { class: 'predict-form', novalidate: true, 'aria-labelledby': titleId }, [
    inputs, h('div', { class: 'runbar' }, [commit, skip]), error,
  ]);
  const hold = h('p', { class: 'predict-hold', text: 'The run may start now; its result stays hidden until you commit a prediction or skip.' });
  const mine = h('p', { class: 'predict-mine', hidden: true, 'data-predict-answer': id });
  const outcome = h('div', { class: 'predict-outcome', 'aria-live': 'polite', 'data-predict-outcome': id });
  const csvButton = h('button', { type: 'button', class: 'small', 'data-action': 'predictions-csv', text: 'My predictions (CSV)' });
  const jsonButton = h('button', { type: 'button', class: 'small', 'data-action': 'predictions-json', text: 'My predictions (JSON)' });
  const exportBar = h('p', { class: 'predict-export', hidden: true }, ['Export every prediction of this session: ', csvButton, ' ', jsonButton]);
  const node = h('section', { class: 'predict', 'data-predict': id, 'aria-labelledby': titleId }, [
    h('h3', { id: titleId, tabindex: -1, text: 'Predict first' }), form, hold, mine, outcome, exportBar,
  ]);

  const waiting = () => mode !== 'off' && !answer;
  function applyReveal() {
    node.hidden = mode === 'off';
    skip.hidden = mode === 'require';
    hold.hidden = !waiting();
    hold.textContent = mode === 'require'
      ? 'The run may start now; its result stays hidden until you commit a prediction.'
      : 'The run may start now; its result stays hidden until you commit a prediction or skip.';
    if (section) section.dataset.reveal = waiting() ? 'waiting' : 'shown';
  }

  /** @param {string} text */
  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  function showOutcome() {
    clear(outcome);
    if (!answer || answer.skipped) return;
    const out = lastResult ? evaluate(q, /** @type {Answer} */ (answer.value), lastResult, lastContext) : null;  // not skipped: an answer
    point?.showMeasured(out ? /** @type {import('../charts/predict-point.js').PointMeasured} */ (out.measured) : null);  // measures a number
    if (!out) {
      outcome.appendChild(h('p', { class: 'predict-pending', text: lastResult
        ? `Not scored yet: this run does not measure it. ${q.missing || ''}`.trim()
        : 'Scored when the run finishes.' }));
      return;
    }
    const verdict = out.correct ? 'right' : out.score > 0 ? (q.kind === 'number' ? 'close, not within the tolerance' : 'partly right') : 'not right';
    outcome.appendChild(h('dl', { class: 'predict-compare' }, [
      h('div', {}, [h('dt', { text: 'Your prediction' }), h('dd', { text: formatAnswer(q, answer.value) })]),
      h('div', {}, [h('dt', { text: lastContext.precomputed ? 'Measured (precomputed sweep)' : 'Measured in this run' }), h('dd', { text: out.measured.text })]),
      h('div', {}, [h('dt', { text: 'Score' }), h('dd', { 'data-predict-score': id, text: `${pct(out.score, 0)} (${verdict})` })]),
    ]));
    outcome.appendChild(h('p', { class: 'predict-explain', text: out.explanation }));
    node.dataset.scored = out.correct ? 'correct' : 'wrong';
    log.score(id, q.id, out);
  }

  function commitAnswer() {
    const parsed = parseAnswer(q, readAnswer());
    if (parsed.error !== undefined) {
      showError(parsed.error);
      return;
    }
    error.hidden = true;
    answer = { value: parsed.value, skipped: false };
    // The placed point stays on its chart after the reveal, where the measurement joins it.
    if (point) {
      point.set(/** @type {number} */ (parsed.value));  // a point question is a number question
      point.lock();
      node.insertBefore(point.node, outcome);
    }
    form.hidden = true;
    mine.hidden = false;
    mine.textContent = `Your prediction: ${formatAnswer(q, parsed.value)}.`;
    exportBar.hidden = false;
    log.predict({ chapter: id, id: q.id, question: q.question, kind: q.kind, answer: parsed.value, answerText: formatAnswer(q, parsed.value), latencyMs: Math.round(now() - shownAt), skipped: false });
    applyReveal();
    showOutcome();
    announce(`Prediction committed: ${formatAnswer(q, parsed.value)}. The result is shown below.`);
    mine.setAttribute('tabindex', '-1');
    mine.focus({ preventScroll: true });
  }
  form.addEventListener('submit', (event) => event.preventDefault());
  commit.addEventListener('click', commitAnswer);
  // Enter in the number field or on a choice commits, as a form would.
  inputs.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    commitAnswer();
  });
  skip.addEventListener('click', () => {
    if (mode === 'require') return;
    answer = { value: null, skipped: true };
    form.hidden = true;
    mine.hidden = false;
    mine.textContent = 'You skipped the prediction.';
    log.predict({ chapter: id, id: q.id, question: q.question, kind: q.kind, answer: null, answerText: '', latencyMs: Math.round(now() - shownAt), skipped: true });
    applyReveal();
    announce('Prediction skipped. The result is shown below.');
    mine.setAttribute('tabindex', '-1');
    mine.focus({ preventScroll: true });
  });
  csvButton.addEventListener('click', () => exportPredictions('csv', log));
  jsonButton.addEventListener('click', () => exportPredictions('json', log));

  applyReveal();
  return {
    node,
    // The chapter's section, whose data-reveal hides the answer-bearing parts while waiting.
    /** @param {HTMLElement} chapterSection */
    attach(chapterSection) {
      section = chapterSection;
      applyReveal();
    },
    /** @param {string} next */
    setMode(next) {
      mode = ['ask', 'require', 'off'].includes(next) ? next : 'ask';
      applyReveal();
    },
    get mode() {
      return mode;
    },
    get waiting() {
      return waiting();
    },
    // The chapter came on screen: the latency of an answer counts from here (the first time).
    shown() {
      if (!this.seen) shownAt = now();
      this.seen = true;
    },
    seen: false,
    // A run finished: the answer (if any) is scored against it.
    /** @param {unknown} result @param {{ values?: Values, precomputed?: boolean }} [context] */
    onResult(result, context = {}) {
      lastResult = result;
      lastContext = context;
      if (answer && !answer.skipped) showOutcome();
    },
  };
}
