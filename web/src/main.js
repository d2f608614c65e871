// Boots the page: chapter navigation, the engine runner, one panel per chapter, the URL hash,
// the status line and embed messaging.
import { h } from './dom.js';
import { chapters } from './chapters/index.js';
import { createRunner } from './runner.js';
import { createChapterPanel } from './ui/panel.js';
import { clipText, parseHash, readValues, writeHash } from './state.js';
import { startEmbed } from './embed.js';

const statusLine = document.getElementById('status');
const noticeList = document.getElementById('notices');
const nav = document.getElementById('chapter-nav');
const main = document.getElementById('chapters');
const activity = document.getElementById('activity');
const pager = document.getElementById('pager');

const panels = new Map();
let current = null;
let runner = null;
let applyingHash = false;

function announce(message, level = 'info') {
  statusLine.textContent = message;
  statusLine.dataset.level = level;
}

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
  for (const chapter of chapters) {
    const link = h('a', { href: `#${chapter.id}`, 'data-nav': chapter.id }, [
      h('span', { class: 'nav-number', text: chapter.number }),
      h('span', { class: 'nav-title', text: chapter.short }),
    ]);
    nav.appendChild(h('li', {}, [link]));
  }
}

function updatePager() {
  const index = chapters.findIndex((c) => c.id === current);
  const prev = chapters[index - 1];
  const next = chapters[index + 1];
  pager.replaceChildren(
    prev ? h('a', { class: 'pager-prev', href: `#${prev.id}`, text: `← ${prev.number}. ${prev.short}` }) : h('span'),
    next ? h('a', { class: 'pager-next', href: `#${next.id}`, text: `${next.number}. ${next.short} →` }) : h('span'),
  );
}

function showChapter(id, { focus = false } = {}) {
  if (current && current !== id) panels.get(current)?.pause();
  current = id;
  for (const [key, panel] of panels) panel.section.hidden = key !== id;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.nav === id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const chapter = chapters.find((c) => c.id === id);
  document.title = `${chapter.number}. ${chapter.short} · BN Lab`;
  updatePager();
  if (focus) panels.get(id)?.section.querySelector('h2')?.focus({ preventScroll: false });
}

function applyHash({ focus = false } = {}) {
  const { chapter, params } = parseHash(window.location.hash);
  let id = chapter;
  if (!chapters.some((c) => c.id === id)) {
    if (id) notice(`The link names an unknown chapter "${clipText(id)}"; showing chapter 1 instead.`);
    id = chapters[0].id;
  }
  const panel = panels.get(id);
  if (panel) {
    const { values, problems } = readValues(panel.chapter.controls, params, panel.defaults);
    problems.forEach((p) => notice(`Link: ${p}.`));
    const same = JSON.stringify(values) === JSON.stringify(panel.values);
    if (!same) panel.setValues(values, { silent: true });
    replaceHash(id, panel.chapter.controls, panel.values);
  }
  showChapter(id, { focus });
}

function replaceHash(id, controls, values) {
  const next = writeHash(id, controls, values);
  if (window.location.hash !== next) {
    applyingHash = true;
    history.replaceState(null, '', next);
    applyingHash = false;
  }
}

function onValuesChange(chapter, values) {
  if (chapter.id === current) replaceHash(chapter.id, chapter.controls, values);
}

function onRunState(chapter, state) {
  const running = [...panels.values()].find((p) => p.state === 'running');
  activity.textContent = running ? `Training: chapter ${running.chapter.number}, ${running.chapter.short}` : '';
  activity.hidden = !running;
  document.documentElement.dataset.busy = running ? 'true' : 'false';
  if (state === 'failed') activity.hidden = !running;
}

async function boot() {
  buildNav();
  announce('Loading the training engine…');
  try {
    runner = await createRunner({ prefer: new URLSearchParams(window.location.search).get('engine') });
  } catch (error) {
    announce(`The training engine could not load: ${error.message}. The explanations still work; the plots need the engine.`, 'error');
    for (const chapter of chapters) {
      const section = h('section', { class: 'chapter', 'data-chapter': chapter.id, hidden: true }, [
        h('h2', { text: chapter.title }), h('blockquote', { class: 'claim' }, [h('p', { text: chapter.claim })]),
        ...chapter.intro.map((p) => h('p', { text: p })),
      ]);
      main.appendChild(section);
      panels.set(chapter.id, { chapter, section, defaults: {}, values: {}, setValues() {}, pause() {} });
    }
    applyHash();
    return;
  }
  document.documentElement.dataset.engine = runner.kind;
  const available = new Set(runner.chapters);
  for (const [index, chapter] of chapters.entries()) {
    let preset = {};
    let missing = !available.has(chapter.engineChapter || chapter.id);
    if (!missing) {
      const outcome = await runner.preset(chapter.engineChapter || chapter.id);
      if (outcome.ok) preset = outcome.value;
      else missing = true;
    }
    const panel = createChapterPanel(chapter, index, { runner, preset, announce, onValuesChange, onRunState });
    if (missing) {
      panel.disable(true);
      panel.showMessage('This chapter\'s experiment is not in this build of the engine yet; the explanation is here, the plots will follow.');
    }
    panels.set(chapter.id, panel);
    main.appendChild(panel.section);
  }
  const where = runner.kind === 'main-thread' ? 'on the main thread in short slices (no worker available)' : `in a ${runner.kind === 'blob-worker' ? 'blob ' : ''}web worker`;
  announce(`Ready. Training runs ${where}.`);
  applyHash();
  window.addEventListener('hashchange', () => {
    if (!applyingHash) applyHash({ focus: true });
  });
  startEmbed({
    onPlay: () => panels.get(current)?.run(),
    onPause: () => panels.get(current)?.pause(),
    onPreset: (chapter, settings) => {
      const params = Object.entries(settings).map(([k, v]) => [k, String(v)]);
      const query = new URLSearchParams(params).toString();
      window.location.hash = `#${chapter}${query ? `?${query}` : ''}`;
    },
  });
  window.bnlab = { panels, runner, chapters };
  document.documentElement.dataset.ready = 'true';
}

boot().catch((error) => {
  announce(`The page could not start: ${error.message}`, 'error');
  console.warn(error);
});
