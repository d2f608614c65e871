// The "Embed" dialog: a ready-to-paste <iframe> snippet for the chapter on screen and its state
// (sized, titled, sandboxed), with the page options of the URL (one chapter only, settings shown,
// locked or hidden), and a plain link. The same options are documented in docs/web.md.
import { h } from '../dom.js';
import { copyText } from '../export.js';

// Each chapter's height in the embedded layout (nav=0, a 1000 px wide frame), rounded up to 50 px with
// about 100 px to spare, for the tallest of: after its opening run with predict=off, and with
// predict=ask (the default) after a prediction is committed (the box keeps its outcome and, for a
// point question, its chart). Measured 2026-12-07 by `node scripts/embed-heights.mjs`
// (predict=off / ask before the answer / ask after): speed 2234 / 1230 / 2349, distribution
// 2991 / 1124 / 3234, shift 3262 / 1277 / 3503, noise 2663 / 1618 / 3174, regularization (not run,
// its precomputed sweep) 5691 / 2012 / 6249, inference 2848 / 1488 / 3359, ics 2660 / 1349 / 2934,
// images 3364 / 1218 / 3637. The dialog suggests it; the lab also posts its height (bnlab:resize)
// to hosts that listen. tests/browser/story.test.js checks that each chapter still fits its figure.
/** @type {Record<string, number>} */
export const chapterHeights = {
  speed: 2450, distribution: 3350, shift: 3650, noise: 3300, regularization: 6350, inference: 3500, ics: 3050, images: 3750,
};
/** @param {string} chapter @returns {number} */
export const suggestedHeight = (chapter) => chapterHeights[chapter] ?? 1400;

// Where the hosted lab serves its embedding steps (web/embedding.html, next to index.html).
/** @param {string} base @returns {string} */
export const stepsUrl = (base) => {
  try {
    return new URL('embedding.html', base).href;
  } catch {
    return 'embedding.html';
  }
};

/** @param {unknown} text */
const escapeAttr = (text) => String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// The address of the lab for a chapter, its settings query (e.g. "lr=0.3&seed=1") and options.
/**
 * @param {{ base: string, chapter: string, query?: string, nav?: string, controls?: string, predict?: string }} where
 * @returns {string}
 */
export function embedUrl({ base, chapter, query = '', nav = '1', controls = 'show', predict = 'ask' }) {
  const params = new URLSearchParams(query);
  if (nav === '0') params.set('nav', '0');
  if (controls !== 'show') params.set('controls', controls);
  if (predict !== 'ask') params.set('predict', predict);
  const q = params.toString();
  return `${base}#${chapter}${q ? `?${q}` : ''}`;
}

// <iframe> for a course page: no host script needed (the frame scrolls if the page is shorter).
/** @param {{ url: string, title: string, height?: number, downloads?: boolean }} frame @returns {string} */
export function embedSnippet({ url, title, height = 1400, downloads = true }) {
  const sandbox = downloads ? 'allow-scripts allow-downloads' : 'allow-scripts';
  return `<iframe src="${escapeAttr(url)}" title="${escapeAttr(title)}" width="100%" height="${Math.round(height)}" `
    + `style="width: 100%; max-width: 72rem; border: 1px solid #c9c9c9;" sandbox="${sandbox}" loading="lazy"></iframe>`;
}

/**
 * What the dialog embeds: the page's address (base), the chapter on screen, its settings query and
 * a frame title; fromFile when the page is a file:// one (its address works on this computer only).
 * @typedef {{ base: string, chapter: string, query: string, title: string, fromFile: boolean }} EmbedState
 */
/** @param {{ getState: () => EmbedState }} options */
export function createEmbedDialog({ getState }) {
  const titleId = 'embed-dialog-title';
  const only = h('input', { type: 'checkbox', id: 'embed-only', checked: true });
  const withSettings = h('input', { type: 'checkbox', id: 'embed-settings', checked: true });
  const downloads = h('input', { type: 'checkbox', id: 'embed-downloads', checked: true });
  const controls = h('select', { id: 'embed-controls' }, [
    h('option', { value: 'show', text: 'shown' }), h('option', { value: 'lock', text: 'locked (visible, not changeable)' }),
    h('option', { value: 'hide', text: 'hidden (Run stays)' }),
  ]);
  // Predict, then run (ui/predict.js): the question before the result, skippable, required or off.
  const predict = h('select', { id: 'embed-predict' }, [
    h('option', { value: 'ask', text: 'asked (the student may skip it)' }), h('option', { value: 'require', text: 'required (nothing revealed until made)' }),
    h('option', { value: 'off', text: 'off (no question)' }),
  ]);
  const height = h('input', { type: 'number', id: 'embed-height', min: 300, max: 20000, step: 50, value: 1400 });
  const snippet = h('textarea', { id: 'embed-snippet', readonly: true, rows: 5, 'aria-describedby': 'embed-snippet-hint' });
  const link = h('a', { id: 'embed-link', href: '#', target: '_blank', rel: 'noopener' });
  const stepsLink = h('a', { id: 'embed-steps', href: 'embedding.html', target: '_blank', rel: 'noopener', text: 'Steps for embedding the lab' });
  let heightEdited = false;
  let shownChapter = '';
  const status = h('p', { class: 'embed-status', role: 'status' });
  const where = h('p', { class: 'embed-where', hidden: true });
  const copySnippet = h('button', { type: 'button', class: 'primary', text: 'Copy snippet' });
  const copyLink = h('button', { type: 'button', text: 'Copy link' });
  const close = h('button', { type: 'button', text: 'Close' });
  /** @param {HTMLElement} input @param {string} label @param {string} [hint] */
  const field = (input, label, hint) => h('div', { class: 'control' }, [h('label', { for: input.id, text: label }), input, hint ? h('span', { class: 'hint', text: hint }) : null]);
  /** @param {HTMLElement} input @param {string} label */
  const check = (input, label) => h('div', { class: 'control toggle' }, [input, h('label', { for: input.id, text: label })]);

  const dialog = h('dialog', { class: 'embed-dialog', 'aria-labelledby': titleId }, [
    h('h2', { id: titleId, text: 'Embed this chapter in a course page' }),
    where,
    h('div', { class: 'control-group' }, [
      check(only, 'This chapter only (hide the chapter links and pager)'),
      check(withSettings, 'With the settings shown now'),
      field(controls, 'Settings in the frame'),
      field(predict, 'Prediction before the result'),
      field(height, 'Frame height (px)'),
      check(downloads, 'Allow exports (sandbox allow-downloads)'),
    ]),
    h('label', { for: snippet.id, text: 'Snippet to paste into the HTML (source) view of the course page' }),
    snippet,
    h('p', { id: 'embed-snippet-hint', class: 'hint' }, ['The frame needs no script on the course page. ', stepsLink, ' (Canvas, Moodle, Open edX, Quarto and Jupyter Book).']),
    h('p', {}, ['Plain link: ', link]),
    h('p', { class: 'hint' }, ['For teachers: docs/teaching.md in the lab\'s repository gives each chapter\'s prediction question, the expected measurement and two lesson plans.']),
    h('div', { class: 'runbar' }, [copySnippet, copyLink, close]),
    status,
  ]);

  let url = '';
  function refresh() {
    const { base, chapter, title, query, fromFile } = getState();
    stepsLink.href = stepsUrl(base);
    // the height follows the chapter until the author types one
    if (!heightEdited || chapter !== shownChapter) {
      height.value = String(suggestedHeight(chapter));
      heightEdited = false;
    }
    shownChapter = chapter;
    url = embedUrl({ base, chapter, query: withSettings.checked ? query : '', nav: only.checked ? '0' : '1', controls: controls.value, predict: predict.value });
    const rows = Number(height.value);
    snippet.value = embedSnippet({ url, title, height: Number.isFinite(rows) && rows >= 300 ? Math.min(rows, 20000) : 1400, downloads: downloads.checked });
    link.href = url;
    link.textContent = url;
    where.hidden = !fromFile;
    where.textContent = fromFile ? 'This lab is opened from a file, so the address below works on this computer only: host the lab (or upload bnlab-lab.html to the course) and open this dialog from there.' : '';
    status.textContent = '';
  }
  height.addEventListener('input', () => {
    heightEdited = true;
  });
  for (const input of [only, withSettings, downloads, controls, predict, height]) input.addEventListener('input', refresh);
  copySnippet.addEventListener('click', async () => {
    status.textContent = (await copyText(snippet.value, snippet)) ? 'Snippet copied.' : 'Copying was refused here: select the snippet and copy it.';
  });
  copyLink.addEventListener('click', async () => {
    status.textContent = (await copyText(url, null)) ? 'Link copied.' : 'Copying was refused here: copy the link above.';
  });
  close.addEventListener('click', () => dialog.close());
  document.body.appendChild(dialog);

  return {
    dialog,
    open() {
      refresh();
      dialog.showModal();
    },
  };
}
