// One chapter's panel: the claim, the controls, Run / Pause / Step / Reset, progress, live plots,
// a takeaway computed from the run, and (where the literature disagrees) an evidence box.
//
// A chapter's render(result, charts, context) (and live.render) returns the takeaway: a string, or
//   { headline: 'one plain sentence', details?: ['…', …], callout?: { title, text } }
// shown as the headline ([data-takeaway=ID]), a collapsed "Details of this run"
// ([data-takeaway-details=ID]) and a visible box ([data-callout=ID]). Any chapter text the panel
// shows may mark glossary terms, [[id]] or [[id|words]] (ui/rich-text.js, glossary.js).
// render's context: { values, spec, visits, previous } where previous is null or
//   { result, label, values }: the run kept faded on the charts after a setting changed (label
//   names the settings that differ, e.g. "learning rate 0.01"), until "Clear previous run".
import { append, clear, h } from '../dom.js';
import { plainText, richText } from './rich-text.js';
import { pct } from '../format.js';
import { lineChart } from '../charts/line-chart.js';
import { scatterChart } from '../charts/scatter-chart.js';
import { fieldChart } from '../charts/field-chart.js';
import { imageGrid } from '../charts/image-grid.js';
import { buildControls } from './controls.js';
import { defaultsFrom, optionLabel, optionValue, specFrom } from '../state.js';
import { createPredictionView } from './predict.js';

const chartKinds = { line: lineChart, scatter: scatterChart, field: fieldChart, images: imageGrid };
let runCounter = 0;

function paragraphs(list, cls) {
  return (list || []).map((text) => h('p', { class: cls }, richText(text)));
}

// "Chapter 3b" for the lecture's chapters; the extra ones (numbered + and R) by their short name.
export const chapterName = (chapter) => (/^\d/.test(chapter.number) ? `Chapter ${chapter.number}` : `Chapter "${chapter.short}"`);

// A takeaway as returned by render: a string or {headline, details, callout} -> the object.
export function takeawayParts(value) {
  if (typeof value === 'string') return { headline: value, details: [], callout: null };
  if (!value || typeof value !== 'object' || typeof value.headline !== 'string') return null;
  const details = Array.isArray(value.details) ? value.details.filter((d) => typeof d === 'string' && d) : [];
  const callout = value.callout && typeof value.callout.text === 'string' ? { title: String(value.callout.title || 'Note'), text: value.callout.text } : null;
  return { headline: value.headline, details, callout };
}

// The takeaway's place on the page: headline, details, callout (and, after a change of settings,
// the previous run's headline for comparison).
function takeawayView(id, initial, { className = 'takeaway', live = false } = {}) {
  const attr = live ? 'data-live-takeaway' : 'data-takeaway';
  const headline = h('p', { class: className, [attr]: id, ...(live ? { 'aria-live': 'polite' } : {}) });
  // A term's definition opens below the headline, so [data-takeaway] holds the headline text only.
  const defs = h('div', { class: 'term-defs' });
  const previous = h('p', { class: 'takeaway-previous', hidden: true, [live ? 'data-live-previous' : 'data-takeaway-previous']: id });
  const list = h('ul', {});
  const details = h('details', { class: 'takeaway-details', [live ? 'data-live-details' : 'data-takeaway-details']: id, hidden: true }, [
    h('summary', { text: 'Details of this run' }), list,
  ]);
  const calloutTitle = h('h3', { class: 'callout-title' });
  const calloutText = h('p', {});
  const callout = h('aside', { class: 'callout', [live ? 'data-live-callout' : 'data-callout']: id, hidden: true, 'aria-label': 'Where the measurement disagrees' }, [calloutTitle, calloutText]);
  const box = h('div', { class: 'takeaway-box' }, [headline, defs, previous, details, callout]);
  let parts = null;
  function fillHeadline(text) {
    const inline = richText(text);
    clear(defs);
    // definitions move out of the headline, their buttons stay in it
    const nodes = inline.map((node) => {
      if (typeof node === 'string' || !node.classList?.contains('term-wrap')) return node;
      const def = node.querySelector('.term-def');
      if (def) defs.appendChild(def);
      return node;
    });
    clear(headline);
    append(headline, nodes);
  }
  fillHeadline(initial);
  return {
    box,
    headline,
    get parts() {
      return parts;
    },
    // Shows a render's return value; false when it was empty (nothing changes then).
    show(value) {
      const next = takeawayParts(value);
      if (!next || !next.headline) return false;
      parts = next;
      fillHeadline(next.headline);
      const open = details.open;
      clear(list);
      append(list, next.details.map((d) => h('li', {}, richText(d))));
      details.hidden = !next.details.length;
      details.open = open && !details.hidden;
      callout.hidden = !next.callout;
      calloutTitle.textContent = next.callout ? plainText(next.callout.title) : '';
      clear(calloutText);
      if (next.callout) append(calloutText, richText(next.callout.text));
      return true;
    },
    // A plain message in place of a takeaway (e.g. "Press Run"): no details, no callout.
    message(text) {
      parts = null;
      fillHeadline(text);
      details.hidden = true;
      callout.hidden = true;
    },
    setPrevious(text) {
      previous.hidden = !text;
      clear(previous);
      if (text) append(previous, richText(text));
    },
    // The headline as a reader hears it (markers replaced by their words).
    text() {
      return parts ? plainText(parts.headline) : headline.textContent;
    },
  };
}

const now = () => performance.now();

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
export function createChapterPanel(chapter, index, { runner, preset, announce, onValuesChange, onRunState, getPool, reducedMotion = false, onProgress }) {
  const defaults = defaultsFrom(chapter.controls, preset);
  let values = { ...defaults };
  let runId = null;
  let state = 'idle';
  let lastResult = null;
  let lastUpdate = null;
  let charts = new Map();
  let sweepHandle = null;
  let sweepJson = null;
  let autoRun = false;
  // Locked by the host page (embed options or disable()): no run starts, no button acts.
  let locked = false;
  const visits = new Map();

  const headingId = `title-${chapter.id}`;
  const runButton = h('button', { type: 'button', class: 'primary', 'data-action': 'run', text: 'Run' });
  const pauseButton = h('button', { type: 'button', 'data-action': 'pause', text: 'Pause', 'aria-disabled': 'true' });
  const stepButton = h('button', { type: 'button', 'data-action': 'step', text: 'Step', title: 'Advance the run by about 2% and pause' });
  const resetButton = h('button', { type: 'button', 'data-action': 'reset', text: 'Reset', title: 'Clear the run and the plots (keeps the settings)' });
  const defaultsButton = h('button', { type: 'button', class: 'link', 'data-action': 'defaults', text: 'Restore default settings' });
  const progress = h('progress', { max: 1, value: 0, 'aria-labelledby': `progress-${chapter.id}` });
  const progressText = h('span', { class: 'progress-text', id: `progress-${chapter.id}`, text: 'Not started' });
  const takeaway = takeawayView(chapter.id, 'Press Run to train; the takeaway is computed from the run you see.');
  const clearPreviousButton = h('button', { type: 'button', class: 'small', 'data-action': 'clear-previous', hidden: true, text: 'Clear previous run' });
  const previousNote = h('p', { class: 'previous-note', hidden: true, 'data-previous-note': chapter.id });
  const errorLine = h('p', { class: 'run-error', role: 'alert', hidden: true });
  // Progress for screen readers at 25% steps, not at every update: the text is kept here (read when
  // the reader reaches the progress bar) and said through the page's one polite status region.
  const progressLive = h('p', { class: 'sr-only', 'data-progress-live': chapter.id });
  let progressQuarter = 0;
  const chartArea = h('div', { class: 'charts' });
  // `lead: chartId`: that chart opens the chapter, right under the claim (its answer at a glance).
  const leadArea = chapter.lead ? h('div', { class: 'charts lead-chart', 'data-lead': chapter.id }) : null;
  // Predict, then run (ui/predict.js): the question before the result, when the chapter has one.
  const prediction = chapter.predict ? createPredictionView(chapter, { announce }) : null;

  const viewKeys = new Set(chapter.controls.filter((c) => c.view).map((c) => c.key));
  const liveKeys = new Set(chapter.controls.filter((c) => c.live).map((c) => c.key));
  const sweepControls = chapter.controls.filter((c) => !c.live);
  const controls = buildControls(chapter.controls, values, (key, value) => {
    values = { ...values, [key]: value };
    if (viewKeys.has(key)) {
      onValuesChange?.(chapter, values);
      if (lastResult) draw(lastResult);
    } else if (liveKeys.has(key)) {
      onValuesChange?.(chapter, values);
      scheduleLive();
    } else {
      settingsChanged();
      if (chapter.live) {
        visits.clear();
        scheduleLive();
      }
    }
  }, (message) => announce(message, 'warn'));

  const runNodes = controls.nodes.filter((_, i) => !chapter.controls[i].view && !chapter.controls[i].live);
  const viewNodes = controls.nodes.filter((_, i) => chapter.controls[i].view);
  const liveNodes = controls.nodes.filter((_, i) => chapter.controls[i].live);
  const form = h('form', { class: 'controls', 'aria-label': `Settings for chapter ${chapter.number}` }, [
    h('fieldset', { class: 'control-group' }, [
      h('legend', { text: 'Experiment (a change starts a new run)' }),
      ...runNodes,
      h('div', { class: 'control-actions' }, [defaultsButton]),
    ]),
    viewNodes.length ? h('fieldset', { class: 'control-group view' }, [h('legend', { text: 'Display (changes the plots only)' }), ...viewNodes]) : null,
  ]);
  form.addEventListener('submit', (event) => event.preventDefault());

  // ---- the live view ----
  let liveCharts = new Map();
  let liveTimer = null;
  let liveSeq = 0;
  let liveHandles = [];
  let liveParts = null;
  let liveText = null;
  let liveView = null;
  let liveError = null;
  function liveArea() {
    if (!chapter.live) return null;
    liveView = takeawayView(chapter.id, 'Starting the live view…', { className: 'live-takeaway', live: true });
    liveText = liveView.headline;
    liveError = h('p', { class: 'run-error', role: 'alert', hidden: true });
    const grid = h('div', { class: 'charts live-charts' });
    const groups = new Map();
    const defs = typeof chapter.live.charts === 'function' ? chapter.live.charts(preset) : chapter.live.charts;
    for (const def of defs) {
      const groupKey = def.group || def.id;
      if (!groups.has(groupKey)) {
        const group = h('div', { class: `chart-group${def.group ? ' side-by-side' : ''}` });
        groups.set(groupKey, group);
        grid.appendChild(group);
      }
      liveCharts.set(def.id, chartKinds[def.kind || 'line'](groups.get(groupKey), { name: `${chapter.id}-${def.id}`, ...def }));
    }
    return h('div', { class: 'live', 'data-live': chapter.id }, [
      chapter.live.heading ? h('h3', {}, richText(chapter.live.heading)) : null,
      ...paragraphs(chapter.live.intro, 'intro'),
      h('form', { class: 'controls', 'aria-label': `Live settings for chapter ${chapter.number}` }, [
        h('fieldset', { class: 'control-group live' }, [h('legend', { text: 'Live (a change re-trains its nets at once)' }), ...liveNodes]),
      ]),
      liveError,
      liveView.box,
      grid,
    ]);
  }

  // The previous pair is cancelled at once (its late updates must not draw with the new values);
  // the new one starts when the control has been still for the debounce time.
  function scheduleLive(delay = chapter.live?.debounceMs ?? 150) {
    if (!chapter.live || locked) return;
    const seq = ++liveSeq;
    cancelLive();
    clearTimeout(liveTimer);
    liveTimer = setTimeout(() => startLive(seq), delay);
  }

  function cancelLive() {
    for (const handle of liveHandles) handle.cancel();
    liveHandles = [];
  }

  let liveDrawTimer = null;
  let liveDrawMs = 0;
  function drawLive(parts, done, runValues) {
    const t0 = now();
    try {
      const text = chapter.live.render(parts, liveCharts, { values: runValues, done });
      if (text) liveView.show(text);
      markDrawn();
    } catch (error) {
      liveView.message(`The live plots could not be drawn (${error.message}).`);
      console.warn(`chapter ${chapter.id}: live render failed`, error);
    }
    liveDrawMs = now() - t0;
  }

  async function startLive(seq) {
    if (seq !== liveSeq) return;
    const runValues = values;
    const specs = chapter.live.specs(spec(), runValues);
    const t0 = now();
    section.dataset.live = 'running';
    const check = await runner.validate(specs[0]);
    if (seq !== liveSeq) return;
    if (!check.ok) {
      liveError.hidden = false;
      liveError.textContent = `Cannot run: ${check.error}`;
      section.dataset.live = 'failed';
      return;
    }
    liveError.hidden = true;
    const pool = await getPool?.();
    if (seq !== liveSeq) return;
    if (!pool) {
      liveError.hidden = false;
      liveError.textContent = 'No engine host is free for the live view.';
      section.dataset.live = 'failed';
      return;
    }
    const parts = specs.map(() => null);
    liveParts = parts;
    liveView.message(chapter.live.pending?.(runValues) || 'Training…');
    const outcomes = await Promise.all(specs.map((one, i) => {
      const handle = pool.run(one, {
        first: true,
        onUpdate(message) {
          if (seq !== liveSeq || !message.result) return;
          parts[i] = message.result;
          if (reducedMotion || message.state === 'done' || liveDrawTimer) return;
          liveDrawTimer = setTimeout(() => {
            liveDrawTimer = null;
            if (seq === liveSeq) drawLive(parts, false, runValues);
          }, liveDrawMs > 0 ? Math.max(100, 2 * liveDrawMs) : 0);
        },
      });
      liveHandles.push(handle);
      return handle.promise;
    }));
    if (seq !== liveSeq) return;
    const failed = outcomes.find((o) => !o.ok);
    if (failed) {
      liveError.hidden = false;
      liveError.textContent = `The live run failed: ${failed.error}`;
      section.dataset.live = 'failed';
      return;
    }
    outcomes.forEach((o, i) => {
      parts[i] = o.result;
    });
    liveHandles = [];
    clearTimeout(liveDrawTimer);
    liveDrawTimer = null;
    drawLive(parts, true, runValues);
    const visit = chapter.live.visit?.(parts, runValues);
    if (visit) visits.set(visit.key, visit);
    draw(lastResult);
    section.dataset.liveMs = String(Math.round(now() - t0));
    section.dataset.liveKey = visit ? String(visit.key) : '';
    section.dataset.live = 'done';
  }

  function markDrawn() {
    if (section.dataset.drawn) return;
    section.dataset.drawn = 'true';
    section.dataset.firstDrawAt = String(Math.round(now()));
  }

  const evidence = chapter.evidence ? h('aside', { class: 'evidence', 'aria-label': chapter.evidence.title }, [
    h('h3', {}, richText(chapter.evidence.title)),
    ...paragraphs(chapter.evidence.paragraphs),
    chapter.evidence.link ? h('p', {}, [h('a', { href: chapter.evidence.link.href, text: chapter.evidence.link.text })]) : null,
  ]) : null;

  const section = h('section', { class: 'chapter', id: `chapter-${chapter.id}`, 'aria-labelledby': headingId, 'data-chapter': chapter.id, 'data-state': 'idle', hidden: true }, [
    h('header', { class: 'chapter-head' }, [
      h('p', { class: 'kicker', text: /^\d/.test(chapter.number) ? `Chapter ${chapter.number} of the lecture` : 'Beyond the lecture' }),
      h('h2', { id: headingId, tabindex: -1, text: chapter.title }),
      h('blockquote', { class: 'claim' }, [h('p', {}, richText(chapter.claim))]),
    ]),
    prediction?.node,
    leadArea,
    ...paragraphs(chapter.intro, 'intro'),
    evidence && chapter.evidenceFirst ? evidence : null,
    liveArea(),
    chapter.live?.sweepHeading ? h('h3', { class: 'sweep-heading' }, richText(chapter.live.sweepHeading)) : null,
    h('div', { class: 'workbench' }, [
      form,
      h('div', { class: 'runbar', role: 'group', 'aria-label': 'Run controls' }, [runButton, pauseButton, stepButton, resetButton]),
      h('div', { class: 'progress' }, [progress, progressText, progressLive]),
    ]),
    errorLine,
    takeaway.box,
    h('div', { class: 'previous-bar' }, [previousNote, clearPreviousButton]),
    chartArea,
    evidence && !chapter.evidenceFirst ? evidence : null,
    ...paragraphs(chapter.outro, 'outro'),
  ]);

  prediction?.attach(section);

  // Rebuilt for a new run (every chart kind starts empty); a chart control that had the keyboard
  // focus gets it back in the new chart (the same chart and the same place in it), and the
  // previous run, if one is kept, is laid under the line charts again.
  function buildCharts() {
    const focused = document.activeElement;
    let refocus = null;
    const areas = [chartArea, leadArea].filter(Boolean);
    if (focused && areas.some((a) => a.contains(focused))) {
      const figure = /** @type {HTMLElement | null} */ (focused.closest('[data-chart]'));
      const all = figure ? [...figure.querySelectorAll('svg[tabindex], button, summary, [tabindex="0"]')] : [];
      refocus = figure ? { name: figure.dataset.chart, index: all.indexOf(focused) } : null;
    }
    for (const chart of charts.values()) chart.destroy();
    charts = new Map();
    for (const area of areas) clear(area);
    const groups = new Map();
    for (const def of chapter.charts) {
      const groupKey = def.group || def.id;
      if (!groups.has(groupKey)) {
        const group = h('div', { class: `chart-group${def.group ? ' side-by-side' : ''}` });
        groups.set(groupKey, group);
        (def.id === chapter.lead && leadArea ? leadArea : chartArea).appendChild(group);
      }
      const make = chartKinds[def.kind || 'line'];
      charts.set(def.id, make(groups.get(groupKey), { name: `${chapter.id}-${def.id}`, ...def }));
    }
    applyPrevious();
    if (refocus) {
      const figure = areas.flatMap((a) => [...a.querySelectorAll('[data-chart]')]).find((f) => f.getAttribute('data-chart') === refocus.name);
      // What matches is an HTML or SVG element (both focusable), never a bare Element.
      const all = figure ? /** @type {Array<HTMLElement | SVGElement>} */ ([...figure.querySelectorAll('svg[tabindex], button, summary, [tabindex="0"]')]) : [];
      (all[refocus.index] || all[0])?.focus({ preventScroll: true });
    }
    if (chapter.precomputed && !lastResult) draw(null);
  }

  // ---- the previous run (kept faded after a change of settings, until the student clears it) ----
  let previous = null;  // { values, result, headline, data: Map(chart id -> ghost data) }
  let runValues = null;  // the settings of the run on the charts
  const optionText = (control, value) => {
    if (control.kind === 'toggle') return value ? 'on' : 'off';
    const option = control.options?.find((o) => optionValue(o) === value);
    return option !== undefined ? optionLabel(option) : String(value);
  };
  const describe = (control, value) => `${control.label.toLowerCase()} ${optionText(control, value)}`;
  function previousLabel() {
    if (!previous) return '';
    const differ = sweepControls.filter((c) => JSON.stringify(previous.values[c.key]) !== JSON.stringify(values[c.key]));
    return differ.length ? differ.map((c) => describe(c, previous.values[c.key])).join(', ') : 'same settings';
  }
  function keepPrevious() {
    if (!lastResult || !runValues) return;
    const data = new Map();
    for (const [id, chart] of charts) {
      const got = chart.ghostData?.();
      if (got) data.set(id, got);
    }
    if (!data.size) return;
    previous = { values: runValues, result: lastResult, headline: takeaway.text(), data };
  }
  function applyPrevious() {
    const label = previousLabel();
    for (const [id, chart] of charts) chart.setGhost?.(previous?.data.get(id) ? { label, ...previous.data.get(id) } : null);
    clearPreviousButton.hidden = !previous;
    previousNote.hidden = !previous;
    previousNote.textContent = previous ? `Faded on the line charts: the previous run (${label}).` : '';
    takeaway.setPrevious(previous && lastResult ? `Previous run (${label}): ${previous.headline}` : '');
  }
  function clearPrevious() {
    previous = null;
    applyPrevious();
  }
  clearPreviousButton.addEventListener('click', () => {
    clearPrevious();
    announce(`${chapterName(chapter)}: previous run cleared.`);
    runButton.focus();
  });

  // Run, Pause and Step are never `disabled` while the lab is loaded: a disabled button under the
  // focus drops the focus to <body>. They say aria-disabled and ignore presses instead.
  const unavailable = (button) => locked || button.getAttribute('aria-disabled') === 'true';
  const mark = (button, off) => {
    if (off) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  };

  function setState(next) {
    state = next;
    section.dataset.state = next;
    runButton.textContent = next === 'paused' ? 'Resume' : next === 'done' ? 'Run again' : 'Run';
    mark(runButton, next === 'running' && !autoRun);
    mark(pauseButton, next !== 'running');
    // While the page's own run plays, Run and Step stay live: the user takes it over.
    mark(stepButton, (next === 'running' && !autoRun) || next === 'done');
    onRunState?.(chapter, next);
  }

  function spec() {
    return specFrom(preset, sweepControls, values);
  }

  function cancelRun() {
    if (sweepHandle) sweepHandle.cancel();
    sweepHandle = null;
    if (runId) runner.cancel(runId);
  }

  // The pool this run goes to, or null for the one runner (stepping always uses the runner).
  async function poolFor(paused) {
    const pooling = chapter.pooled === true ? {} : chapter.pooled;
    if (paused || !pooling) return null;
    const minSize = pooling.minSize ?? 1;
    if (minSize > 1 && runner?.kind === 'main-thread') return null;  // no workers: no side by side
    const pool = await getPool?.();
    if (!pool || pool.size < minSize || !(await pool.hasCells())) return null;
    return pool;
  }

  async function start({ paused = false, auto = false } = {}) {
    const pool = await poolFor(paused);
    // A chapter on real data fetches it first (once) and hands it to whatever runs it (the runner or
    // every member of the pool); `prepare` returns null or the message to show.
    const problem = chapter.prepare ? await chapter.prepare(pool || runner) : null;
    if (problem) {
      showError(problem);
      setState('failed');
      return false;
    }
    const wanted = spec();
    const check = await runner.validate(wanted);
    if (!check.ok) {
      showError(check.error);
      setState('failed');
      return false;
    }
    hideError();
    cancelRun();
    const id = `${chapter.id}-${++runCounter}`;
    runId = id;
    autoRun = auto;
    lastResult = null;
    sweepJson = null;
    runValues = values;
    buildCharts();
    if (visits.size) draw(null);
    setState(paused ? 'paused' : 'running');
    updateProgress(0, paused ? 'Ready to step' : 'Starting…');
    // A run the page starts by itself leaves the status line alone ("Ready…" stays readable).
    if (!auto) announce(`${chapterName(chapter)}: ${paused ? 'stepping' : 'training started'}.`);
    if (pool) {
      const t0 = now();
      const handle = pool.sweep(wanted, {
        live: !!chapter.pooled?.live,
        onPartial: (result, progress) => onUpdate({ runId: id, state: 'running', progress, result, elapsedMs: now() - t0 }),
      });
      sweepHandle = handle;
      section.dataset.pool = String(pool.size);
      handle.promise.then((out) => {
        if (runId !== id || out.cancelled) return;
        sweepHandle = null;
        if (!out.ok) onUpdate({ runId: id, state: 'failed', error: out.error });
        else {
          sweepJson = out.json;
          onUpdate({ runId: id, state: 'done', progress: 1, result: out.result, elapsedMs: now() - t0 });
        }
      });
    } else {
      section.dataset.pool = '';
      runner.start(id, wanted, { paused });
    }
    return true;
  }

  function showError(message) {
    errorLine.hidden = false;
    errorLine.textContent = `Cannot run: ${message}`;
    announce(`${chapterName(chapter)}: ${message}`, 'error');
  }

  function hideError() {
    errorLine.hidden = true;
  }

  function updateProgress(fraction, text) {
    progress.value = Math.max(0, Math.min(1, fraction || 0));
    progressText.textContent = text;
    onProgress?.(chapter, state, progress.value);
    const quarter = Math.floor(progress.value * 4);
    if (quarter < progressQuarter) progressQuarter = 0;
    if (quarter > progressQuarter && quarter < 4) {
      progressQuarter = quarter;
      progressLive.textContent = `${chapterName(chapter)}: ${quarter * 25}% trained.`;
      progressLive.hidden = false;
      // said aloud for a run the student started (the page's own opening run stays quiet)
      if (state === 'running' && !autoRun) announce(progressLive.textContent);
    }
  }

  // Back to an idle panel with no result (the run cancelled, empty charts), saying why.
  function clearRun(progressNote, takeawayText) {
    cancelRun();
    runId = null;
    autoRun = false;
    lastResult = null;
    runValues = null;
    progressLive.textContent = '';
    buildCharts();
    setState('idle');
    updateProgress(0, progressNote);
    takeaway.message(takeawayText);
  }

  // The run on the charts stays, faded, as the previous run (the charts show what to compare with).
  function settingsChanged() {
    keepPrevious();
    const kept = previous ? ` The previous run stays faded on the charts (${previousLabel()}).` : '';
    clearRun('Settings changed: press Run', `Settings changed. Press Run to train with them.${kept}`);
    onValuesChange?.(chapter, values);
  }

  // Intermediate results are drawn at most about a third of the time: a redraw that takes d ms waits
  // at least 2d (and 100 ms) after the last, so a busy machine still answers clicks and keys.
  let drawTimer = null;
  let lastDrawEnd = 0;
  let lastDrawMs = 0;
  function drawSoon() {
    if (drawTimer) return;
    const wait = Math.max(0, lastDrawEnd + Math.max(100, 2 * lastDrawMs) - now());
    drawTimer = setTimeout(() => {
      drawTimer = null;
      if (lastResult) draw(lastResult);
    }, wait);
  }

  function draw(result) {
    clearTimeout(drawTimer);
    drawTimer = null;
    const t0 = now();
    try {
      const prev = previous ? { result: previous.result, label: previousLabel(), values: previous.values } : null;
      const pre = !result && chapter.precomputed ? chapter.precomputed : null;
      const shown = result || pre;
      const text = chapter.render(shown, charts, { values, spec: shown?.spec, visits, previous: prev, precomputed: !!pre });
      if (text && shown) {
        takeaway.show(text);
        takeaway.setPrevious(previous ? `Previous run (${prev.label}): ${previous.headline}` : '');
      }
      if (shown) markDrawn();
      // The precomputed sweep is a measurement too: a prediction is scored against it until the
      // student's own run finishes (which replaces it).
      if (pre && !lastResult) prediction?.onResult(pre, { values, precomputed: true });
    } catch (error) {
      takeaway.message(`The plots could not be drawn from this result (${error.message}).`);
      console.warn(`chapter ${chapter.id}: render failed`, error);
    }
    lastDrawEnd = now();
    lastDrawMs = lastDrawEnd - t0;
  }

  function onUpdate(message) {
    if (message.runId !== runId) return;
    if (message.state === 'failed' || message.type === 'error') {
      showError(message.error || 'the run failed');
      setState('failed');
      updateProgress(lastUpdate?.progress || 0, 'Failed');
      return;
    }
    lastUpdate = message;
    if (message.result) {
      lastResult = message.result;
      // Under prefers-reduced-motion a run the page started by itself is computed, then drawn once.
      if (message.state === 'done') {
        draw(message.result);
        prediction?.onResult(message.result, { values: runValues });
      }
      else if (!(autoRun && reducedMotion)) drawSoon();
    }
    const rate = message.elapsedMs > 0 ? ` · ${(message.elapsedMs / 1000).toFixed(1)} s of compute` : '';
    const label = message.state === 'done' ? 'Done' : message.state === 'paused' ? 'Paused' : 'Running';
    updateProgress(message.progress, `${label}: ${pct(message.progress, 0)}${rate}`);
    if (message.state !== state) {
      setState(message.state);
      if (message.state === 'done') {
        // the last quarter said is stale now: hidden (the bar's own text says "Done: 100%")
        progressLive.hidden = true;
        if (!autoRun) announce(`${chapterName(chapter)} finished. ${prediction?.waiting ? 'Commit a prediction to see the result.' : takeaway.text()}`);
      }
    }
  }

  runner?.onUpdate(onUpdate);

  runButton.addEventListener('click', () => unavailable(runButton) || api.run({ user: true }));
  pauseButton.addEventListener('click', () => unavailable(pauseButton) || api.pause());
  stepButton.addEventListener('click', () => unavailable(stepButton) || api.step());
  resetButton.addEventListener('click', () => unavailable(resetButton) || api.reset());
  defaultsButton.addEventListener('click', () => {
    values = { ...defaults };
    controls.set(values);
    settingsChanged();
    announce(`${chapterName(chapter)}: default settings restored.`);
  });

  buildCharts();
  setState('idle');

  const api = {
    chapter,
    section,
    get state() {
      return state;
    },
    get values() {
      return values;
    },
    get result() {
      return lastResult;
    },
    defaults,
    spec,
    setValues(next, { silent = false } = {}) {
      const onlyView = Object.keys(defaults).every((key) => viewKeys.has(key) || next[key] === values[key]);
      values = { ...defaults, ...next };
      controls.set(values);
      if (onlyView) {
        if (lastResult) draw(lastResult);
        if (chapter.live && Object.keys(next).some((key) => liveKeys.has(key))) scheduleLive();
        return;
      }
      if (chapter.live) {
        visits.clear();
        scheduleLive();
      }
      if (!silent) settingsChanged();
      else {
        cancelRun();
        runId = null;
        buildCharts();
        setState('idle');
      }
    },
    get resultJson() {
      return sweepJson;
    },
    get visits() {
      return visits;
    },
    async run({ user = false } = {}) {
      if (user && autoRun && state === 'running') {
        await start();
        return;
      }
      if (state === 'paused' && runId) {
        if (sweepHandle) {
          sweepHandle.resume();
          setState('running');
          return;
        }
        runner.resume(runId);
        setState('running');
        return;
      }
      if (state !== 'running') await start();
    },
    pause() {
      if (state !== 'running' || !runId) return;
      if (sweepHandle) {
        sweepHandle.pause();
        setState('paused');
        updateProgress(lastUpdate?.progress || 0, 'Paused');
      } else runner.pause(runId);
    },
    // Shows a result without a press of Run: the live view if the chapter has one, else its
    // preset's run (resumed if the page paused it when the user looked elsewhere).
    open() {
      prediction?.shown();
      if (locked) return;
      if (chapter.live) {
        if (!liveParts) scheduleLive(0);
        return;
      }
      if (state === 'idle' && !lastResult) start({ auto: true });
      else if (state === 'paused' && autoRun) api.run();
    },
    async step() {
      autoRun = false;
      if (sweepHandle) await start({ paused: true });
      if (!runId || state === 'idle' || state === 'failed' || state === 'done') {
        if (!(await start({ paused: true }))) return;
      }
      runner.step(runId, chapter.stepFraction || 0.02);
    },
    reset() {
      hideError();
      previous = null;
      clearRun('Not started', 'Press Run to train; the takeaway is computed from the run you see.');
    },
    showMessage(text) {
      errorLine.hidden = false;
      errorLine.textContent = text;
    },
    // Page option controls=lock: the settings stay visible but cannot be changed; Run still works.
    lockSettings(flag) {
      controls.disable(flag || locked);
      defaultsButton.hidden = flag;
    },
    disable(flag) {
      locked = flag;
      controls.disable(flag);
      for (const button of [runButton, stepButton, resetButton]) button.disabled = flag;
    },
    // Page option predict=ask|require|off.
    setPredictMode(mode) {
      prediction?.setMode(mode);
    },
    get prediction() {
      return prediction;
    },
    redraw() {
      if (lastResult) draw(lastResult);
    },
  };
  return api;
}

