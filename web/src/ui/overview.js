// The start page: what the lecture claims, which chapter tests each claim, about how long each
// chapter's opening run takes here, and where to begin. Shown at the bare address (no chapter in
// the # part) and at #start.
import { h } from '../dom.js';

// The lecture's four claims and the chapters that test them (chapter ids of chapters/index.js).
export const claims = [
  { claim: 'Normalizing the hidden units speeds up learning.', chapters: ['speed', 'images'] },
  { claim: 'Later layers see a steadier distribution.', chapters: ['distribution', 'shift', 'ics'] },
  { claim: 'The noise of mini-batch statistics regularizes slightly, less with bigger batches.', chapters: ['noise', 'regularization'] },
  { claim: 'At test time, batch norm uses running averages.', chapters: ['inference'] },
];

// Seconds from the engine being ready to a chapter's first finished result (its opening run, or
// 3b's live pair), measured once per chapter in headless Chromium at 1000 px on the 2-core build
// machine under load (load average about 18, five builds at once), so an idle laptop is faster.
/** @type {Record<string, number>} */
export const openingSeconds = {
  speed: 8, distribution: 6, shift: 5, noise: 5, regularization: 4, inference: 6, ics: 6, images: 24,
};

/** @param {number | undefined} seconds */
const about = (seconds) => (seconds === undefined ? '' : seconds < 60 ? `${Math.max(5, Math.round(seconds / 5) * 5)} s` : `${Math.round(seconds / 60)} min`);

export const heartChapter = 'regularization';

/** @param {Array<{ id: string, number: string, short: string, title: string }>} chapters (catalog.js's entries or the modules) */
export function overviewSection(chapters) {
  const byId = new Map(chapters.map((c) => [c.id, c]));
  /** @param {string} id */
  const link = (id) => {
    const c = byId.get(id);
    if (!c) return null;
    const time = about(openingSeconds[id]);
    return h('li', {}, [
      h('a', { href: `#${c.id}`, 'data-overview-link': c.id }, [h('span', { class: 'nav-number', text: c.number }), ` ${c.short}`]),
      h('span', { class: 'overview-title', text: `: ${c.title}` }),
      time ? h('span', { class: 'overview-time' }, [' (', h('span', { class: 'overview-about', text: 'about ' }), `${time})`]) : null,
    ]);
  };
  const heart = byId.get(heartChapter);
  return h('section', { class: 'overview', id: 'overview', 'data-overview': '', 'aria-labelledby': 'overview-title', hidden: true }, [
    h('h2', { id: 'overview-title', tabindex: -1, text: 'Four claims of the lecture, each tested by training real networks' }),
    heart ? h('p', { class: 'overview-begin' }, [
      h('strong', { text: 'Where to begin: ' }),
      h('a', { href: `#${heart.id}`, class: 'begin-link', 'data-overview-begin': heart.id, text: `Chapter ${heart.number}, ${heart.short}` }),
      ', the heart of the lab',
      h('span', { class: 'overview-why', text: ': the same network with noisy mini-batch statistics and with noise-free ones, at batch sizes 64 to 512. Then follow the claims in order' }),
      '.',
    ]) : null,
    h('ol', { class: 'overview-claims' }, claims.map((entry) => h('li', {}, [
      h('p', { class: 'overview-claim', text: entry.claim }),
      h('ul', { class: 'overview-chapters', 'aria-label': 'Chapters that test it' }, entry.chapters.map(link)),
    ]))),
    h('p', { class: 'overview-note', text: 'Each chapter trains as it opens; the times are for that first run. Every number is computed in your browser, and each chapter says where the measurement disagrees with the lecture.' }),
  ]);
}
