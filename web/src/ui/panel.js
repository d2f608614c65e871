// One chapter's panel: the claim, the controls, Run / Pause / Step / Reset, progress, live plots,
// a takeaway computed from the run, and (where the literature disagrees) an evidence box.
import { append, clear, h } from '../dom.js';
import { pct } from '../format.js';
import { lineChart } from '../charts/line-chart.js';
import { scatterChart } from '../charts/scatter-chart.js';
import { fieldChart } from '../charts/field-chart.js';
import { imageGrid } from '../charts/image-grid.js';
import { buildControls } from './controls.js';
import { defaultsFrom, specFrom } from '../state.js';

const chartKinds = { line: lineChart, scatter: scatterChart, field: fieldChart, images: imageGrid };
let runCounter = 0;

function paragraphs(list, cls) {
  return (list || []).map((text) => h('p', { class: cls, text }));
}

export function createChapterPanel(chapter, index, { runner, preset, announce, onValuesChange, onRunState }) {
  const defaults = defaultsFrom(chapter.controls, preset);
  let values = { ...defaults };
  let runId = null;
  let state = 'idle';
  let lastResult = null;
  let lastUpdate = null;
  let charts = new Map();

  const headingId = `title-${chapter.id}`;
  const runButton = h('button', { type: 'button', class: 'primary', 'data-action': 'run', text: 'Run' });
  const pauseButton = h('button', { type: 'button', 'data-action': 'pause', text: 'Pause', disabled: true });
  const stepButton = h('button', { type: 'button', 'data-action': 'step', text: 'Step', title: 'Advance the run by about 2% and pause' });
  const resetButton = h('button', { type: 'button', 'data-action': 'reset', text: 'Reset', title: 'Clear the run and the plots (keeps the settings)' });
  const defaultsButton = h('button', { type: 'button', class: 'link', 'data-action': 'defaults', text: 'Restore default settings' });
  const progress = h('progress', { max: 1, value: 0, 'aria-labelledby': `progress-${chapter.id}` });
  const progressText = h('span', { class: 'progress-text', id: `progress-${chapter.id}`, text: 'Not started' });
  const takeaway = h('p', { class: 'takeaway', 'data-takeaway': chapter.id, text: 'Press Run to train; the takeaway is computed from the run you see.' });
  const errorLine = h('p', { class: 'run-error', role: 'alert', hidden: true });
  const chartArea = h('div', { class: 'charts' });

  const viewKeys = new Set(chapter.controls.filter((c) => c.view).map((c) => c.key));
  const controls = buildControls(chapter.controls, values, (key, value) => {
    values = { ...values, [key]: value };
    if (viewKeys.has(key)) {
      onValuesChange?.(chapter, values);
      if (lastResult) draw(lastResult);
    } else settingsChanged();
  }, (message) => announce(message, 'warn'));

  const runNodes = controls.nodes.filter((_, i) => !chapter.controls[i].view);
  const viewNodes = controls.nodes.filter((_, i) => chapter.controls[i].view);
  const form = h('form', { class: 'controls', 'aria-label': `Settings for chapter ${chapter.number}` }, [
    h('fieldset', { class: 'control-group' }, [
      h('legend', { text: 'Experiment (a change starts a new run)' }),
      ...runNodes,
      h('div', { class: 'control-actions' }, [defaultsButton]),
    ]),
    viewNodes.length ? h('fieldset', { class: 'control-group view' }, [h('legend', { text: 'Display (changes the plots only)' }), ...viewNodes]) : null,
  ]);
  form.addEventListener('submit', (event) => event.preventDefault());

  const evidence = chapter.evidence ? h('aside', { class: 'evidence', 'aria-label': chapter.evidence.title }, [
    h('h3', { text: chapter.evidence.title }),
    ...paragraphs(chapter.evidence.paragraphs),
    chapter.evidence.link ? h('p', {}, [h('a', { href: chapter.evidence.link.href, text: chapter.evidence.link.text })]) : null,
  ]) : null;

  const section = h('section', { class: 'chapter', id: `chapter-${chapter.id}`, 'aria-labelledby': headingId, 'data-chapter': chapter.id, 'data-state': 'idle', hidden: true }, [
    h('header', { class: 'chapter-head' }, [
      h('p', { class: 'kicker', text: `Chapter ${chapter.number} of the lecture` }),
      h('h2', { id: headingId, tabindex: -1, text: chapter.title }),
      h('blockquote', { class: 'claim' }, [h('p', { text: chapter.claim })]),
    ]),
    ...paragraphs(chapter.intro, 'intro'),
    evidence && chapter.evidenceFirst ? evidence : null,
    h('div', { class: 'workbench' }, [
      form,
      h('div', { class: 'runbar', role: 'group', 'aria-label': 'Run controls' }, [runButton, pauseButton, stepButton, resetButton]),
      h('div', { class: 'progress' }, [progress, progressText]),
    ]),
    errorLine,
    takeaway,
    chartArea,
    evidence && !chapter.evidenceFirst ? evidence : null,
    ...paragraphs(chapter.outro, 'outro'),
  ]);

  function buildCharts() {
    for (const chart of charts.values()) chart.destroy();
    charts = new Map();
    clear(chartArea);
    const groups = new Map();
    for (const def of chapter.charts) {
      const groupKey = def.group || def.id;
      if (!groups.has(groupKey)) {
        const group = h('div', { class: `chart-group${def.group ? ' side-by-side' : ''}` });
        groups.set(groupKey, group);
        chartArea.appendChild(group);
      }
      const make = chartKinds[def.kind || 'line'];
      charts.set(def.id, make(groups.get(groupKey), { name: `${chapter.id}-${def.id}`, ...def }));
    }
  }

  function setState(next) {
    state = next;
    section.dataset.state = next;
    runButton.textContent = next === 'paused' ? 'Resume' : next === 'done' ? 'Run again' : 'Run';
    runButton.disabled = next === 'running';
    pauseButton.disabled = next !== 'running';
    stepButton.disabled = next === 'running' || next === 'done';
    onRunState?.(chapter, next);
  }

  function spec() {
    return specFrom(preset, chapter.controls, values);
  }

  async function start({ paused = false } = {}) {
    // A chapter on real data fetches it first (once); `prepare` returns null or the message to show.
    const problem = chapter.prepare ? await chapter.prepare(runner) : null;
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
    if (runId) runner.cancel(runId);
    runId = `${chapter.id}-${++runCounter}`;
    lastResult = null;
    buildCharts();
    setState(paused ? 'paused' : 'running');
    updateProgress(0, paused ? 'Ready to step' : 'Starting…');
    runner.start(runId, wanted, { paused });
    announce(`Chapter ${chapter.number}: ${paused ? 'stepping' : 'training started'}.`);
    return true;
  }

  function showError(message) {
    errorLine.hidden = false;
    errorLine.textContent = `Cannot run: ${message}`;
    announce(`Chapter ${chapter.number}: ${message}`, 'error');
  }

  function hideError() {
    errorLine.hidden = true;
  }

  function updateProgress(fraction, text) {
    progress.value = Math.max(0, Math.min(1, fraction || 0));
    progressText.textContent = text;
  }

  function settingsChanged() {
    if (runId) runner.cancel(runId);
    runId = null;
    lastResult = null;
    buildCharts();
    setState('idle');
    updateProgress(0, 'Settings changed: press Run');
    takeaway.textContent = 'Settings changed. Press Run to train with them.';
    onValuesChange?.(chapter, values);
  }

  function draw(result) {
    try {
      const text = chapter.render(result, charts, { values, spec: result?.spec });
      if (text) takeaway.textContent = text;
    } catch (error) {
      takeaway.textContent = `The plots could not be drawn from this result (${error.message}).`;
      console.warn(`chapter ${chapter.id}: render failed`, error);
    }
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
      draw(message.result);
    }
    const rate = message.elapsedMs > 0 ? ` · ${(message.elapsedMs / 1000).toFixed(1)} s of compute` : '';
    const label = message.state === 'done' ? 'Done' : message.state === 'paused' ? 'Paused' : 'Running';
    updateProgress(message.progress, `${label}: ${pct(message.progress, 0)}${rate}`);
    if (message.state !== state) {
      setState(message.state);
      if (message.state === 'done') announce(`Chapter ${chapter.number} finished. ${takeaway.textContent}`);
    }
  }

  runner?.onUpdate(onUpdate);

  runButton.addEventListener('click', () => api.run());
  pauseButton.addEventListener('click', () => api.pause());
  stepButton.addEventListener('click', () => api.step());
  resetButton.addEventListener('click', () => api.reset());
  defaultsButton.addEventListener('click', () => {
    values = { ...defaults };
    controls.set(values);
    settingsChanged();
    announce(`Chapter ${chapter.number}: default settings restored.`);
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
        return;
      }
      if (!silent) settingsChanged();
      else {
        if (runId) runner.cancel(runId);
        runId = null;
        buildCharts();
        setState('idle');
      }
    },
    async run() {
      if (state === 'paused' && runId) {
        runner.resume(runId);
        setState('running');
        return;
      }
      if (state !== 'running') await start();
    },
    pause() {
      if (state === 'running' && runId) runner.pause(runId);
    },
    async step() {
      if (!runId || state === 'idle' || state === 'failed' || state === 'done') {
        if (!(await start({ paused: true }))) return;
      }
      runner.step(runId, chapter.stepFraction || 0.02);
    },
    reset() {
      if (runId) runner.cancel(runId);
      runId = null;
      lastResult = null;
      buildCharts();
      setState('idle');
      hideError();
      updateProgress(0, 'Not started');
      takeaway.textContent = 'Press Run to train; the takeaway is computed from the run you see.';
    },
    showMessage(text) {
      errorLine.hidden = false;
      errorLine.textContent = text;
    },
    disable(flag) {
      controls.disable(flag);
      for (const button of [runButton, stepButton, resetButton]) button.disabled = flag;
    },
    redraw() {
      if (lastResult) draw(lastResult);
    },
  };
  return api;
}

