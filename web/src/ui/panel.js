// One chapter's panel: the claim, the controls, Run / Pause / Step / Reset, progress, live plots,
// a takeaway computed from the run, and (where the literature disagrees) an evidence box.
//
// The panel only draws: what a run does (its state, which engine path, step / pause / resume, the
// live view's runs, when to redraw) is run-control.js's, which tells the panel through the RunView
// built here. The takeaway is ui/takeaway-view.js, the charts ui/chart-area.js, the faded previous
// run ui/previous-run.js, the live view's drawing ui/live-view.js.
//
// A chapter's render(result, charts, context) (and live.render) returns the takeaway: a string, or
//   { headline: 'one plain sentence', details?: ['…', …], callout?: { title, text } }
// (ui/takeaway-view.js). Any chapter text the panel shows may mark glossary terms, [[id]] or
// [[id|words]] (ui/rich-text.js, glossary.js).
// render's context: { values, spec, visits, previous, precomputed } where previous is null or
//   { result, label, values }: the run kept faded on the charts after a setting changed (label
//   names the settings that differ, e.g. "learning rate 0.01"), until "Clear previous run".
//
// A chapter may declare `live`: a small view that re-runs at once when one of its `live: true`
// controls moves (debounced; the previous runs are cancelled), with its own charts:
//   live: { specs(sweepSpec, values) -> [spec...] run side by side on the worker pool,
//           charts: [...], render(parts, charts, {values, done}) -> text,
//           visit(parts, values) -> {key, ...} | null (kept in `visits`, passed to chapter.render) }
// A chapter with `pooled: true` runs its sweep through the pool's cells/merge when the engine has them;
// `pooled: {minSize, live}`: only on a pool of at least minSize members (else in the one runner, as
// a chapter without cells), with the cells' running results merged into the live plots (live).
// On open (`open()`), a chapter shows a result by itself: the live view, else its preset's run.
// `lead: chartId` places that chart under the claim, before the intro (the chapter's answer first).
// A chapter may declare `precomputed`: a result of its preset computed ahead and shipped with the
// page. Until the student's own run has a result, the charts show it: render(precomputed, charts,
// {..., precomputed: true}), and the chapter marks it as such.
import { h } from '../dom.js';
import { richText } from './rich-text.js';
import { buildControls } from './controls.js';
import { createPredictionView } from './predict.js';
import { createRunControl } from '../run-control.js';
import { createChartArea } from './chart-area.js';
import { createPreviousRun } from './previous-run.js';
import { createLiveView } from './live-view.js';
import { takeawayView } from './takeaway-view.js';

export { takeawayParts } from './takeaway-view.js';

/** @typedef {import('../run-control.js').RunView} RunView */
/** @typedef {import('../run-control.js').RunState} RunState */
/** @typedef {import('../run-control.js').RunnerLike} RunnerLike */
/** @typedef {import('../run-control.js').PoolLike} PoolLike */

/**
 * A chapter module as the panel reads it (chapters/*.js; see the comment above for what each
 * optional part does).
 * @typedef {import('../chapters/chapter-types').ChapterModule} PanelChapter
 */

/**
 * @typedef {object} PanelOptions
 * @property {RunnerLike} runner
 * @property {any} preset  the chapter's preset spec
 * @property {(message: string, level?: 'info' | 'warn' | 'error') => void} announce  the page's one status region
 * @property {(chapter: PanelChapter, values: Record<string, any>) => void} [onValuesChange]
 * @property {(chapter: PanelChapter, state: RunState) => void} [onRunState]
 * @property {(chapter: PanelChapter, state: RunState, fraction: number) => void} [onProgress]
 * @property {() => Promise<PoolLike | null | undefined>} [getPool]
 * @property {boolean} [reducedMotion]
 */

const pressRun = 'Press Run to train; the takeaway is computed from the run you see.';

/** @param {string[] | undefined} list @param {string} [cls] */
function paragraphs(list, cls) {
  return (list || []).map((text) => h('p', { class: cls }, richText(text)));
}

// "Chapter 3b" for the lecture's chapters; the extra ones (numbered + and R) by their short name.
/** @param {{ number: string, short: string }} chapter */
export const chapterName = (chapter) => (/^\d/.test(chapter.number) ? `Chapter ${chapter.number}` : `Chapter "${chapter.short}"`);

function runButtons() {
  return {
    run: h('button', { type: 'button', class: 'primary', 'data-action': 'run', text: 'Run' }),
    pause: h('button', { type: 'button', 'data-action': 'pause', text: 'Pause', 'aria-disabled': 'true' }),
    step: h('button', { type: 'button', 'data-action': 'step', text: 'Step', title: 'Advance the run by about 2% and pause' }),
    reset: h('button', { type: 'button', 'data-action': 'reset', text: 'Reset', title: 'Clear the run and the plots (keeps the settings)' }),
    defaults: h('button', { type: 'button', class: 'link', 'data-action': 'defaults', text: 'Restore default settings' }),
    clearPrevious: h('button', { type: 'button', class: 'small', 'data-action': 'clear-previous', hidden: true, text: 'Clear previous run' }),
  };
}

// Run, Pause and Step are never `disabled` while the lab is loaded: a disabled button under the
// focus drops the focus to <body>. They say aria-disabled and ignore presses instead.
/** @param {HTMLElement} button @param {boolean} off */
function mark(button, off) {
  if (off) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

/**
 * The progress bar and its text; for screen readers the progress at 25% steps, not at every
 * update: the text is kept here (read when the reader reaches the bar) and said through the page's
 * one polite status region for a run the student started.
 * @param {PanelChapter} chapter
 * @param {{ announce: PanelOptions['announce'], onProgress?: PanelOptions['onProgress'], run: () => { state: RunState, autoRun: boolean } }} options
 */
function progressView(chapter, { announce, onProgress, run }) {
  const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: 1, value: 0, 'aria-labelledby': `progress-${chapter.id}` }));
  const text = h('span', { class: 'progress-text', id: `progress-${chapter.id}`, text: 'Not started' });
  const spoken = h('p', { class: 'sr-only', 'data-progress-live': chapter.id });
  let quarterSaid = 0;
  return {
    node: h('div', { class: 'progress' }, [bar, text, spoken]),
    /** @param {number} fraction @param {string} label */
    update(fraction, label) {
      const { state, autoRun } = run();
      bar.value = Math.max(0, Math.min(1, fraction || 0));
      text.textContent = label;
      onProgress?.(chapter, state, bar.value);
      const quarter = Math.floor(bar.value * 4);
      if (quarter < quarterSaid) quarterSaid = 0;
      if (quarter > quarterSaid && quarter < 4) {
        quarterSaid = quarter;
        spoken.textContent = `${chapterName(chapter)}: ${quarter * 25}% trained.`;
        spoken.hidden = false;
        // said aloud for a run the student started (the page's own opening run stays quiet)
        if (state === 'running' && !autoRun) announce(spoken.textContent);
      }
    },
    forget() {
      spoken.textContent = '';
    },
    // done: the last quarter said is stale now (the bar's own text says "Done: 100%")
    hideSpoken() {
      spoken.hidden = true;
    },
  };
}

/**
 * The experiment's settings (a change starts a new run) and the display's (plots only).
 * @param {PanelChapter} chapter @param {HTMLElement[]} nodes  one per control @param {HTMLElement} defaultsButton
 */
function settingsForm(chapter, nodes, defaultsButton) {
  const runNodes = nodes.filter((_, i) => !chapter.controls[i].view && !chapter.controls[i].live);
  const viewNodes = nodes.filter((_, i) => chapter.controls[i].view);
  const form = h('form', { class: 'controls', 'aria-label': `Settings for chapter ${chapter.number}` }, [
    h('fieldset', { class: 'control-group' }, [
      h('legend', { text: 'Experiment (a change starts a new run)' }),
      ...runNodes,
      h('div', { class: 'control-actions' }, [defaultsButton]),
    ]),
    viewNodes.length ? h('fieldset', { class: 'control-group view' }, [h('legend', { text: 'Display (changes the plots only)' }), ...viewNodes]) : null,
  ]);
  form.addEventListener('submit', (/** @type {Event} */ event) => event.preventDefault());
  return form;
}

/** @param {PanelChapter} chapter */
function evidenceBox(chapter) {
  const evidence = chapter.evidence;
  if (!evidence) return null;
  return h('aside', { class: 'evidence', 'aria-label': evidence.title }, [
    h('h3', {}, richText(evidence.title)),
    ...paragraphs(evidence.paragraphs),
    evidence.link ? h('p', {}, [h('a', { href: evidence.link.href, text: evidence.link.text })]) : null,
  ]);
}

/**
 * The chapter's section, top to bottom.
 * @param {PanelChapter} chapter
 * @param {Record<'prediction' | 'lead' | 'form' | 'runbar' | 'progress' | 'error' | 'takeaway' | 'previousBar' | 'charts', HTMLElement | null>
 *         & { live: () => HTMLElement | null }} parts  live: made in its place
 */
function chapterSection(chapter, parts) {
  const headingId = `title-${chapter.id}`;
  const evidence = evidenceBox(chapter);
  return h('section', { class: 'chapter', id: `chapter-${chapter.id}`, 'aria-labelledby': headingId, 'data-chapter': chapter.id, 'data-state': 'idle', hidden: true }, [
    h('header', { class: 'chapter-head' }, [
      h('p', { class: 'kicker', text: /^\d/.test(chapter.number) ? `Chapter ${chapter.number} of the lecture` : 'Beyond the lecture' }),
      h('h2', { id: headingId, tabindex: -1, text: chapter.title }),
      h('blockquote', { class: 'claim' }, [h('p', {}, richText(chapter.claim))]),
    ]),
    parts.prediction,
    parts.lead,
    ...paragraphs(chapter.intro, 'intro'),
    evidence && chapter.evidenceFirst ? evidence : null,
    parts.live(),
    chapter.sweepHeading ? h('h3', { class: 'sweep-heading' }, richText(chapter.sweepHeading)) : null,
    h('div', { class: 'workbench' }, [parts.form, parts.runbar, parts.progress]),
    parts.error,
    parts.takeaway,
    parts.previousBar,
    parts.charts,
    evidence && !chapter.evidenceFirst ? evidence : null,
    ...paragraphs(chapter.outro, 'outro'),
  ]);
}

/**
 * @param {PanelChapter} chapter
 * @param {number} index  its place in the page's list
 * @param {PanelOptions} options
 */
export function createChapterPanel(chapter, index, { runner, preset, announce, onValuesChange, onRunState, getPool, reducedMotion = false, onProgress }) {
  const name = chapterName(chapter);
  const buttons = runButtons();
  const takeaway = takeawayView(chapter.id, pressRun);
  const errorLine = h('p', { class: 'run-error', role: 'alert', hidden: true });
  const chartArea = h('div', { class: 'charts' });
  // `lead: chartId`: that chart opens the chapter, right under the claim (its answer at a glance).
  const leadArea = chapter.lead ? h('div', { class: 'charts lead-chart', 'data-lead': chapter.id }) : null;
  const area = createChartArea(chapter, chartArea, leadArea);
  // Predict, then run (ui/predict.js): the question before the result, when the chapter has one.
  // (the cast: chapter.predict was just checked)
  const prediction = chapter.predict ? createPredictionView(/** @type {PanelChapter & { predict: import('../chapters/chapter-types').PredictQuestion }} */ (chapter), { announce }) : null;
  const previousNote = h('p', { class: 'previous-note', hidden: true, 'data-previous-note': chapter.id });
  const previous = createPreviousRun({
    controls: chapter.controls.filter((c) => !c.live),
    values: () => control.values,
    button: buttons.clearPrevious,
    note: previousNote,
    setPreviousHeadline: (text) => takeaway.setPrevious(text),
  });

  function markDrawn() {
    if (section.dataset.drawn) return;
    section.dataset.drawn = 'true';
    section.dataset.firstDrawAt = String(Math.round(performance.now()));
  }

  // Every chart kind starts empty; the previous run, if one is kept, is laid under the line charts
  // again; the precomputed run is shown until the student's own has a result.
  function buildCharts() {
    area.rebuild((charts) => previous.apply(charts, !!control.result));
    if (chapter.precomputed && !control.result) control.draw(null);
  }

  /** @param {any} result */
  function draw(result) {
    try {
      const prev = previous.current ? { result: previous.current.result, label: previous.label(), values: previous.current.values } : null;
      const pre = !result && chapter.precomputed ? chapter.precomputed : null;
      const shown = result || pre;
      // A Map of every declared chart (chart-area.js builds one per declaration), so get(id) of a
      // declared id is never undefined: the chapter's ChapterCharts.
      const charts = /** @type {import('../chapters/chapter-types').ChapterCharts} */ (area.charts);
      const text = chapter.render(shown, charts, { values: control.values, spec: shown?.spec, visits: control.visits, previous: prev, precomputed: !!pre });
      if (text && shown) {
        takeaway.show(text);
        takeaway.setPrevious(previous.current && prev ? `Previous run (${prev.label}): ${previous.current.headline}` : '');
      }
      if (shown) markDrawn();
      // The precomputed sweep is a measurement too: a prediction is scored against it until the
      // student's own run finishes (which replaces it).
      if (pre && !control.result) prediction?.onResult(pre, { values: control.values, precomputed: true });
    } catch (error) {
      takeaway.message(`The plots could not be drawn from this result (${/** @type {Error} */ (error).message}).`);
      console.warn(`chapter ${chapter.id}: render failed`, error);
    }
  }

  /** @type {RunView} */
  const view = {
    setState(next) {
      section.dataset.state = next;
      buttons.run.textContent = next === 'paused' ? 'Resume' : next === 'done' ? 'Run again' : 'Run';
      mark(buttons.run, next === 'running' && !control.autoRun);
      mark(buttons.pause, next !== 'running');
      // While the page's own run plays, Run and Step stay live: the user takes it over.
      mark(buttons.step, (next === 'running' && !control.autoRun) || next === 'done');
      onRunState?.(chapter, next);
    },
    progress: (fraction, text) => progress.update(fraction, text),
    showError(message) {
      errorLine.hidden = false;
      errorLine.textContent = `Cannot run: ${message}`;
      announce(`${name}: ${message}`, 'error');
    },
    hideError() {
      errorLine.hidden = true;
    },
    draw,
    newRun: buildCharts,
    clearCharts() {
      progress.forget();
      buildCharts();
    },
    idle(reason) {
      const kept = previous.current ? ` The previous run stays faded on the charts (${previous.label()}).` : '';
      takeaway.message(reason === 'reset' ? pressRun : `Settings changed. Press Run to train with them.${kept}`);
    },
    started: (paused) => announce(`${name}: ${paused ? 'stepping' : 'training started'}.`),
    pool(size) {
      section.dataset.pool = size === null ? '' : String(size);
    },
    scored: (result, values) => prediction?.onResult(result, { values: values ?? undefined }),
    finished() {
      progress.hideSpoken();
      if (!control.autoRun) announce(`${name} finished. ${prediction?.waiting ? 'Commit a prediction to see the result.' : takeaway.text()}`);
    },
    keepPrevious: () => previous.keep(control.result, control.runValues, area.charts, takeaway.text()),
    forgetPrevious: () => previous.forget(),
    valuesChanged: (values) => onValuesChange?.(chapter, values),
    showValues: (values) => controls.set(values),
    liveStatus(status) {
      section.dataset.live = status;
    },
    liveError: (text) => liveView?.error(text),
    liveMessage: (text) => liveView?.message(text),
    liveDraw: (parts, done, values) => liveView?.draw(parts, done, values),
    liveFinished({ ms, key }) {
      section.dataset.liveMs = String(ms);
      section.dataset.liveKey = key;
    },
  };

  const control = createRunControl(chapter, { runner, preset, view, getPool, reducedMotion });
  const progress = progressView(chapter, { announce, onProgress, run: () => control });
  const controls = buildControls(chapter.controls, control.values, (/** @type {string} */ key, /** @type {any} */ value) => control.change(key, value), (/** @type {string} */ message) => announce(message, 'warn'));
  /** @type {ReturnType<typeof createLiveView> | null} */
  let liveView = null;
  // made in its place in the section (its glossary terms are numbered in reading order)
  const makeLive = () => {
    if (!chapter.live) return null;
    liveView = createLiveView({ id: chapter.id, number: chapter.number, live: chapter.live }, {
      preset,
      controls: controls.nodes.filter((/** @type {HTMLElement} */ _, /** @type {number} */ i) => chapter.controls[i].live),
      onDrawn: markDrawn,
    });
    return liveView.node;
  };

  const section = chapterSection(chapter, {
    prediction: prediction?.node ?? null,
    lead: leadArea,
    live: makeLive,
    form: settingsForm(chapter, controls.nodes, buttons.defaults),
    runbar: h('div', { class: 'runbar', role: 'group', 'aria-label': 'Run controls' }, [buttons.run, buttons.pause, buttons.step, buttons.reset]),
    progress: progress.node,
    error: errorLine,
    takeaway: takeaway.box,
    previousBar: h('div', { class: 'previous-bar' }, [previousNote, buttons.clearPrevious]),
    charts: chartArea,
  });
  prediction?.attach(section);

  /** @param {HTMLElement} button */
  const unavailable = (button) => control.locked || button.getAttribute('aria-disabled') === 'true';
  buttons.run.addEventListener('click', () => unavailable(buttons.run) || api.run({ user: true }));
  buttons.pause.addEventListener('click', () => unavailable(buttons.pause) || api.pause());
  buttons.step.addEventListener('click', () => unavailable(buttons.step) || api.step());
  buttons.reset.addEventListener('click', () => unavailable(buttons.reset) || api.reset());
  buttons.defaults.addEventListener('click', () => {
    control.restoreDefaults();
    announce(`${name}: default settings restored.`);
  });
  buttons.clearPrevious.addEventListener('click', () => {
    previous.forget();
    previous.apply(area.charts, !!control.result);
    announce(`${name}: previous run cleared.`);
    buttons.run.focus();
  });

  buildCharts();
  view.setState('idle');

  const api = panelApi(chapter, section, control, { prediction, controls, buttons, errorLine });
  return api;
}

/**
 * What the page (main.js) does with a panel: the run logic's state and commands, and the page
 * options that lock, disable or change it.
 * @param {PanelChapter} chapter
 * @param {HTMLElement} section
 * @param {ReturnType<typeof createRunControl>} control
 * @param {{ prediction: ReturnType<typeof createPredictionView> | null, controls: ReturnType<typeof buildControls>,
 *           buttons: ReturnType<typeof runButtons>, errorLine: HTMLElement }} parts
 */
function panelApi(chapter, section, control, { prediction, controls, buttons, errorLine }) {
  return {
    chapter,
    section,
    get state() {
      return control.state;
    },
    get values() {
      return control.values;
    },
    get result() {
      return control.result;
    },
    defaults: control.defaults,
    spec: control.spec,
    setValues: control.setValues,
    get resultJson() {
      return control.resultJson;
    },
    get visits() {
      return control.visits;
    },
    run: control.run,
    pause: control.pause,
    open() {
      prediction?.shown();
      control.open();
    },
    step: control.step,
    reset: control.reset,
    /** @param {string} text */
    showMessage(text) {
      errorLine.hidden = false;
      errorLine.textContent = text;
    },
    // Page option controls=lock: the settings stay visible but cannot be changed; Run still works.
    /** @param {boolean} flag */
    lockSettings(flag) {
      controls.disable(flag || control.locked);
      buttons.defaults.hidden = flag;
    },
    /** @param {boolean} flag */
    disable(flag) {
      control.lock(flag);
      controls.disable(flag);
      for (const button of [buttons.run, buttons.step, buttons.reset]) /** @type {HTMLButtonElement} */ (button).disabled = flag;
    },
    // Page option predict=ask|require|off.
    /** @param {string} mode */
    setPredictMode(mode) {
      prediction?.setMode(mode);
    },
    get prediction() {
      return prediction;
    },
    redraw: control.redraw,
  };
}
