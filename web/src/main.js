// Boots the page: chapter navigation, the engine runner, one panel per chapter, the URL hash,
// the status line and embed messaging.
import { h } from './dom.js';
import { catalog } from './chapters/catalog.js';
import { createRunner } from './runner.js';
import { createChapterPanel } from './ui/panel.js';
import { loadParts } from './ui/parts.js';
import { clipText, parseHash, readValues, writeHash } from './state.js';
import { applyPageOptions, readPageOptions, startEmbed, writePageOptions } from './embed.js';
import { createEmbedDialog } from './ui/embed-dialog.js';
import { overviewSection } from './ui/overview.js';
import { glossaryAnchor, glossarySection, richText } from './ui/rich-text.js';
import { predictionLog } from './predict.js';
import { lessonChapters, startScorm } from './scorm.js';

/** @typedef {import('./chapters/chapter-types').ChapterModule} ChapterModule */
/** @typedef {import('./chapters/chapter-types').Control} Control */
/** @typedef {import('./chapters/chapter-types').Values} Values */
/** @typedef {import('./chapters/catalog.js').CatalogEntry} CatalogEntry */
/**
 * What the page uses of a chapter's panel (ui/panel.js); a chapter without an engine gets a stand-in
 * with the first five fields only, hence the optional calls.
 * @typedef {{ chapter: ChapterModule, section: HTMLElement, defaults: Values, values: Values,
 *   setValues(values: Values, options?: { silent?: boolean }): void, pause(): void, state?: string,
 *   run?(): void, open?(): void, setPredictMode?(mode: string): void, lockSettings?(locked: boolean): void,
 *   prediction?: { waiting: boolean } | null }} PagePanel
 */

// The page's landmarks, all in index.html.
/** @param {string} id */
const landmark = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const statusLine = landmark('status');
const noticeList = landmark('notices');
const nav = landmark('chapter-nav');
const main = landmark('chapters');
// Shown in place of a chapter whose code is still loading (the chapter left is hidden at once).
const loadingNote = h('p', { class: 'chapter-loading', hidden: true });
main.appendChild(loadingNote);
const activity = landmark('activity');
const pager = landmark('pager');

/** @type {Map<string, PagePanel>} */
const panels = new Map();
/** @type {string | null} */
let current = null;  // the chapter on screen; null: the overview (the bare address, or #start)
/** @type {HTMLElement | null} */
let overview = null;
/** @type {import('./runner.js').Runner | null} */
let runner = null;
let applyingHash = false;
let poolPromise = null;
const pageQuery = new URLSearchParams(window.location.search);
const enginePreference = pageQuery.get('engine');
// ?autorun=0 (before the #): a chapter does not run its preset by itself on open (tests that drive
// the runner themselves; a host that wants a still page).
const autoOpen = pageQuery.get('autorun') !== '0';
const reducedMotion = !!window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

// The worker pool (independent runs side by side) is made the first time a chapter needs it (its
// code too: the first chapter never needs it).
function getPool() {
  poolPromise ??= import('./pool.js').then(({ createPool }) => createPool({ prefer: enginePreference })).catch((error) => {
    console.warn('no worker pool', error);
    return null;
  });
  return poolPromise;
}
let pageOptions = readPageOptions([]).options;
/** @type {import('./embed.js').Embed | null} */
let embed = null;

/** @param {string} message @param {'info' | 'warn' | 'error'} [level] */
function announce(message, level = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.level = level;
}

/** @param {string} message */
function notice(message) {
  const item = h('li', {}, [h('span', { text: message })]);
  const close = h('button', { type: 'button', class: 'small', 'aria-label': `Dismiss: ${message}`, text: 'Dismiss' });
  close.addEventListener('click', () => {
    item.remove();
    noticeList.hidden = !noticeList.children.length;
  });
  item.appendChild(close);
  noticeList.appendChild(item);
  noticeList.hidden = false;
}

function buildNav() {
  nav.appendChild(h('li', {}, [h('a', { href: '#start', 'data-nav': 'start' }, [h('span', { class: 'nav-title', text: 'Start' })])]));
  for (const chapter of catalog) {
    const link = h('a', { href: `#${chapter.id}`, 'data-nav': chapter.id }, [
      h('span', { class: 'nav-number', text: chapter.number }),
      h('span', { class: 'nav-title', text: chapter.short }),
    ]);
    nav.appendChild(h('li', {}, [link]));
  }
}

function updatePager() {
  pager.hidden = !current;
  if (!current) return;
  const index = catalog.findIndex((c) => c.id === current);
  const prev = catalog[index - 1];
  const next = catalog[index + 1];
  pager.replaceChildren(
    prev ? h('a', { class: 'pager-prev', href: `#${prev.id}`, text: `← ${prev.number}. ${prev.short}` }) : h('span'),
    next ? h('a', { class: 'pager-next', href: `#${next.id}`, text: `${next.number}. ${next.short} →` }) : h('span'),
  );
}

/** @param {string | null} id @param {{ focus?: boolean }} [options] */
function showChapter(id, { focus = false } = {}) {
  if (current && current !== id) panels.get(current)?.pause();
  current = id;
  for (const [key, panel] of panels) panel.section.hidden = key !== id;
  loadingNote.hidden = id === null || panels.has(id);
  if (overview) overview.hidden = id !== null;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.nav === (id ?? 'start')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  updatePager();
  // On a narrow screen the chapter links are one row scrolled sideways: bring the current one in
  // (sideways only; the page itself does not scroll).
  const active = nav.querySelector('[aria-current="page"]');
  if (active && nav.scrollWidth > nav.clientWidth) nav.scrollLeft += active.getBoundingClientRect().left - nav.getBoundingClientRect().left - 8;
  if (id === null) {
    document.title = 'BN Lab: why does batch normalization work?';
    if (focus) overview?.querySelector('h2')?.focus({ preventScroll: false });
    return;
  }
  // id is one of the chapters (applyHash falls back to the first for an unknown one)
  const chapter = /** @type {CatalogEntry} */ (catalog.find((c) => c.id === id));
  document.title = `${chapter.number}. ${chapter.short} · BN Lab`;
  if (focus) panels.get(id)?.section.querySelector('h2')?.focus({ preventScroll: false });
  if (autoOpen) panels.get(id)?.open?.();
}

// A glossary entry is shown where it is (the page keeps the chapter on screen and its address).
/** @param {string} id */
function showGlossaryEntry(id) {
  const list = /** @type {HTMLDetailsElement | null} */ (document.querySelector('[data-glossary-list]'));
  if (list) list.open = true;
  const target = document.getElementById(glossaryAnchor(id)) || document.getElementById('glossary-title');
  target?.focus({ preventScroll: true });
  target?.scrollIntoView({ block: 'start' });
}

/** @param {{ focus?: boolean }} [options] */
function applyHash({ focus = false } = {}) {
  const { chapter, params } = parseHash(window.location.hash);
  // "#chapters" is the skip link's target (the <main>), not a chapter: stay on the one shown.
  const shown = current ? panels.get(current) : undefined;
  if (chapter === 'chapters' && current && shown) {
    replaceHash(current, shown.chapter.controls, shown.values);
    panels.get(current)?.section.querySelector('h2')?.focus();
    return;
  }
  // "#glossary" or "#glossary-kurtosis" (a pasted or followed link): the entry, over the chapter on
  // screen (or the overview), and the address goes back to that chapter's.
  if (chapter === 'glossary' || chapter?.startsWith('glossary-')) {
    if (current && shown) replaceHash(current, shown.chapter.controls, shown.values);
    else {
      history.replaceState(null, '', window.location.pathname + window.location.search);
      showChapter(null);
    }
    showGlossaryEntry(chapter.slice('glossary-'.length));
    return;
  }
  // The bare address (or #start): the overview, unless the page shows one chapter only (nav=0).
  if (!chapter || chapter === 'start' || chapter === 'chapters') {
    const { options, problems: optionProblems } = readPageOptions(params);
    optionProblems.forEach((p) => notice(`Link: ${p}.`));
    pageOptions = options;
    applyPageOptions(options);
    for (const p of panels.values()) p.setPredictMode?.(options.predict);
    releaseHeldResults();
    showChapter(null, { focus });
    return;
  }
  let id = chapter;
  if (!catalog.some((c) => c.id === id)) {
    if (id) notice(`The link names an unknown chapter "${clipText(id)}"; showing chapter 1 instead.`);
    id = catalog[0].id;
  }
  // A chapter whose code has not loaded yet: shown once it has (the address read again then).
  // Meanwhile the chapter left is paused and hidden at once (its Run button must not take a click
  // meant for the new one), the nav marks the new one, and <main> says it is busy.
  if (runner && !panels.has(id)) {
    const entry = /** @type {CatalogEntry} */ (catalog.find((c) => c.id === id));
    loadingNote.textContent = `Loading the chapter “${entry.short}”…`;
    showChapter(id);
    main.setAttribute('aria-busy', 'true');
    ensurePanel(id).then(() => {
      main.removeAttribute('aria-busy');
      applyHash({ focus });
    }, (error) => {
      main.removeAttribute('aria-busy');
      loadingNote.textContent = `The chapter “${entry.short}” could not load.`;
      announce(`Chapter ${id} could not load: ${error instanceof Error ? error.message : error}`, 'error');
    });
    return;
  }
  const panel = panels.get(id);
  const { options, rest, problems: optionProblems } = readPageOptions(params);
  optionProblems.forEach((p) => notice(`Link: ${p}.`));
  pageOptions = options;
  applyPageOptions(options);
  for (const p of panels.values()) p.setPredictMode?.(options.predict);
  releaseHeldResults();
  for (const p of panels.values()) p.lockSettings?.(options.controls === 'lock');
  if (panel) {
    const { values, problems } = readValues(panel.chapter.controls, rest, panel.defaults);
    problems.forEach((p) => notice(`Link: ${p}.`));
    const same = JSON.stringify(values) === JSON.stringify(panel.values);
    if (!same) panel.setValues(values, { silent: true });
    replaceHash(id, panel.chapter.controls, panel.values);
  }
  showChapter(id, { focus });
}

/** @param {string} id @param {Control[]} controls @param {Values} values */
function replaceHash(id, controls, values) {
  const options = writePageOptions(pageOptions);
  const base = writeHash(id, controls, values);
  const next = options ? `${base}${base.includes('?') ? '&' : '?'}${options}` : base;
  if (window.location.hash !== next) {
    applyingHash = true;
    history.replaceState(null, '', next);
    applyingHash = false;
  }
}

/** @param {ChapterModule} chapter @param {Values} values */
function onValuesChange(chapter, values) {
  if (chapter.id === current) replaceHash(chapter.id, chapter.controls, values);
}

/** @param {ChapterModule} chapter @param {string} state */
function onRunState(chapter, state) {
  // The first run's end (or failure): the other chapters' code loads while the student reads.
  if (state === 'done' || state === 'failed') setTimeout(loadOtherChapters, 1000);
  const running = [...panels.values()].find((p) => p.state === 'running');
  activity.textContent = running ? `Training: chapter ${running.chapter.number}, ${running.chapter.short}` : '';
  activity.hidden = !running;
  document.documentElement.dataset.busy = running ? 'true' : 'false';
  if (state === 'failed') activity.hidden = !running;
  if (state !== 'done') return;
  // A result is the answer to a pending prediction: while the chapter waits for one (predict=ask
  // or require, nothing committed or skipped), the host hears the result only after the reveal.
  if (panels.get(chapter.id)?.prediction?.waiting) heldResults.add(chapter.id);
  else postResult(chapter.id);
}

// Chapters whose finished run's bnlab:result waits for the student's prediction (or skip).
/** @type {Set<string>} */
const heldResults = new Set();
/** @param {string} id */
function postResult(id) {
  heldResults.delete(id);
  embed?.result(id, panels.get(id)?.section.querySelector('.takeaway')?.textContent || '');
}
// After a prediction, a skip or predict=off, the held results of chapters no longer waiting go out.
function releaseHeldResults() {
  for (const id of [...heldResults]) if (!panels.get(id)?.prediction?.waiting) postResult(id);
}

/** @param {ChapterModule} chapter @param {string} state @param {number} fraction */
function onProgress(chapter, state, fraction) {
  embed?.progress(chapter.id, state, fraction);
}

// "Embed…": a snippet for the chapter on screen and its state (ui/embed-dialog.js).
function setUpEmbedDialog() {
  const dialog = createEmbedDialog({
    getState: () => {
      // the dialog opens from a page that has its panels
      const panel = /** @type {PagePanel} */ ((current ? panels.get(current) : undefined) || panels.get('regularization') || panels.values().next().value);
      const chapter = panel.chapter;
      const hash = writeHash(chapter.id, chapter.controls, panel.values);
      const base = `${window.location.origin === 'null' ? window.location.href.split('#')[0] : `${window.location.origin}${window.location.pathname}`}`;
      return {
        base, chapter: chapter.id, query: hash.split('?')[1] || '', title: `BN Lab, chapter ${chapter.number}: ${chapter.short}`,
        fromFile: window.location.protocol === 'file:',
      };
    },
  });
  const button = h('button', { type: 'button', class: 'small embed-open', 'data-action': 'embed', text: 'Embed…', 'aria-haspopup': 'dialog' });
  button.addEventListener('click', () => dialog.open());
  document.querySelector('.status-bar')?.appendChild(button);
}

// The skip link goes to the heading of the chapter on screen (without touching the hash).
function setUpSkipLink() {
  document.querySelector('[data-skip]')?.addEventListener('click', (event) => {
    const heading = current ? panels.get(current)?.section.querySelector('h2') : overview?.querySelector('h2');
    if (!heading) return;
    event.preventDefault();
    heading.focus();
  });
}

// Links to glossary entries (in term definitions) move to the entry without changing the address.
function setUpGlossary() {
  pager.after(glossarySection());
  document.addEventListener('click', (event) => {
    const link = /** @type {HTMLElement | null} */ (event.target instanceof Element ? event.target.closest('a[href^="#glossary"]') : null);
    if (!link) return;
    event.preventDefault();
    showGlossaryEntry((link.getAttribute('href') || '').slice('#glossary-'.length));
  });
}

// Each chapter's panel, made once its module has loaded (catalog.js), in the catalog's order on the
// page; the page's options (predict, controls) apply to it as to the others.
/** @type {Map<string, Promise<PagePanel>>} */
const panelLoads = new Map();
// window.bnlab.chapters: in the catalog's order, each chapter's module once loaded (tests patch a
// module's render there), its catalog entry until then.
/** @type {Array<CatalogEntry | ChapterModule>} */
const pageChapters = catalog.slice();
/** @param {string} id @returns {Promise<PagePanel>} */
function ensurePanel(id) {
  const known = panelLoads.get(id);
  if (known) return known;
  const made = (async () => {
    const index = catalog.findIndex((c) => c.id === id);
    const chapter = (await catalog[index].load()).default;
    await loadParts(chapter);
    pageChapters[index] = chapter;
    const engine = /** @type {import('./runner.js').Runner} */ (runner);
    let preset = {};
    let missing = !engine.chapters.includes(chapter.engineChapter || chapter.id);
    if (!missing) {
      const outcome = await engine.preset(chapter.engineChapter || chapter.id);
      if (outcome.ok) preset = outcome.value;
      else missing = true;
    }
    const panel = createChapterPanel(chapter, index, { runner: engine, preset, announce, onValuesChange, onRunState, onProgress, getPool, reducedMotion });
    if (missing) {
      panel.disable(true);
      panel.showMessage('This chapter\'s experiment is not in this build of the engine yet; the explanation is here, the plots will follow.');
    }
    panel.section.hidden = current !== id;
    panel.setPredictMode?.(pageOptions.predict);
    panel.lockSettings?.(pageOptions.controls === 'lock');
    const later = catalog.slice(index + 1).map((c) => panels.get(c.id)?.section).find(Boolean);
    main.insertBefore(panel.section, later ?? null);
    panels.set(id, panel);
    return panel;
  })();
  panelLoads.set(id, made);
  return made;
}

// The chapters not made yet, one after another (the student is reading the first one's result).
let othersLoading = false;
async function loadOtherChapters() {
  if (othersLoading || !runner) return;
  othersLoading = true;
  for (const c of catalog) await ensurePanel(c.id).catch((error) => console.warn(`chapter ${c.id}`, error));
}

async function boot() {
  document.getElementById('static-lab')?.remove();
  setUpSkipLink();
  buildNav();
  overview = overviewSection(catalog);
  main.appendChild(overview);
  setUpGlossary();
  announce('Loading the training engine…');
  // The chapter the page opens on (applyHash shows the first for an unknown name; none for the
  // overview or a glossary entry) picks the engine's first module (runner.js, host.js) and the one
  // chapter whose code loads before the page is ready.
  const named = parseHash(window.location.hash).chapter;
  const opening = !named || ['start', 'chapters', 'glossary'].includes(named) || named.startsWith('glossary-') ? null
    : catalog.some((c) => c.id === named) ? named : catalog[0].id;
  try {
    runner = await createRunner({ prefer: enginePreference, firstChapter: opening || '' });
  } catch (error) {
    announce(`The training engine could not load: ${error instanceof Error ? error.message : error}. The explanations still work; the plots need the engine.`, 'error');
    const chapters = await Promise.all(catalog.map(async (c) => (await c.load()).default));
    for (const chapter of chapters) {
      const section = h('section', { class: 'chapter', 'data-chapter': chapter.id, hidden: true }, [
        h('h2', { text: chapter.title }), h('blockquote', { class: 'claim' }, [h('p', {}, richText(chapter.claim))]),
        ...chapter.intro.map((p) => h('p', {}, richText(p))),
      ]);
      main.appendChild(section);
      panels.set(chapter.id, { chapter, section, defaults: {}, values: {}, setValues() {}, pause() {} });
    }
    applyHash();
    return;
  }
  document.documentElement.dataset.engine = runner.kind;
  // The chapter the page opens on is made now; the others when shown or after its first run. The
  // overview (no chapter to run first) makes them all before the page is ready.
  if (opening) await ensurePanel(opening);
  else await loadOtherChapters();
  const where = runner.kind === 'main-thread' ? 'on the main thread in short slices (no worker available)' : `in a ${runner.kind === 'blob-worker' ? 'blob ' : ''}web worker`;
  announce(`Ready. Training runs ${where}.`);
  setUpEmbedDialog();
  applyHash();
  window.addEventListener('hashchange', () => {
    if (!applyingHash) applyHash({ focus: true });
  });
  // Host commands never move the host's focus or scroll: a chapter is loaded by rewriting the
  // hash in place (no hashchange, no focus()).
  embed = startEmbed({
    chapters: catalog.map((c) => c.id),
    current: () => current || '',
    onPlay: () => (current ? panels.get(current) : undefined)?.run?.(),
    onPause: () => (current ? panels.get(current) : undefined)?.pause(),
    onResume: () => {
      const panel = current ? panels.get(current) : undefined;
      if (panel?.state === 'paused') panel.run?.();
    },
    onLoad: (chapter, settings) => {
      if (!catalog.some((c) => c.id === chapter)) return `unknown chapter "${chapter}" (one of ${catalog.map((c) => c.id).join(', ')})`;
      const params = new URLSearchParams(Object.entries(settings).map(([k, v]) => [k, String(v)]));
      // page options (nav, controls) stay as they are unless the host names them
      for (const [k, v] of new URLSearchParams(writePageOptions(pageOptions))) if (!params.has(k)) params.set(k, v);
      const query = params.toString();
      applyingHash = true;
      history.replaceState(null, '', `#${chapter}${query ? `?${query}` : ''}`);
      applyingHash = false;
      applyHash({ focus: false });
      return '';
    },
  });
  // The class's view: each prediction and score goes to a listening host (bnlab:prediction, bnlab:score).
  // A held bnlab:result follows the bnlab:prediction that reveals it (and precedes its bnlab:score).
  predictionLog.subscribe(({ type, entry }) => {
    embed?.[type]?.(entry);
    if (type === 'prediction') releaseHeldResults();
  });
  // In an LMS (the SCORM package), predictions are recorded as interactions (scorm.js).
  window.bnlabScorm = startScorm({ log: predictionLog, lesson: lessonChapters(document, catalog.map((c) => c.id)) });
  window.bnlab = { panels, runner, chapters: pageChapters, getPool, predictions: predictionLog, loadOtherChapters };
  document.documentElement.dataset.ready = 'true';
}

boot().catch((error) => {
  announce(`The page could not start: ${error instanceof Error ? error.message : error}`, 'error');
  console.warn(error);
});
