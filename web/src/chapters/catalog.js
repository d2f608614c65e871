// The chapters in the lecture's order (DESIGN section 1), as the page needs them before their code:
// the navigation, the pager, the overview, the address. Each chapter's module (its controls,
// charts and rendering, chapters/index.js lists them all) is loaded when the chapter is first
// shown, or in the background once the first chapter's run is over (main.js): the page's bundle
// then holds the chapter it opens on, not all eight (issue 19: the first chapter's bytes).
// tests/js/catalog.test.js checks these fields against the modules.

/**
 * @typedef {{ id: string, number: string, short: string, title: string,
 *             load: () => Promise<{ default: import('./chapter-types').ChapterModule }> }} CatalogEntry
 */

/** @type {CatalogEntry[]} */
export const catalog = [
  { id: 'speed', number: '1', short: 'Speed', title: 'Normalizing speeds up learning', load: () => import('./speed.js') },
  { id: 'distribution', number: '2', short: 'Steadier inputs', title: 'Later layers see a steadier distribution', load: () => import('./distribution.js') },
  { id: 'shift', number: '2′', short: 'Input shift', title: 'Covariate shift of the inputs: "black cats, coloured cats"', load: () => import('./shift.js') },
  { id: 'noise', number: '3a', short: 'Noise', title: 'BN\'s statistics are noisy, and less so for bigger batches', load: () => import('./noise.js') },
  { id: 'regularization', number: '3b', short: 'Regularization', title: 'BN regularizes slightly, less with bigger batches', load: () => import('./regularization.js') },
  { id: 'inference', number: '4', short: 'Test time', title: 'At test time, BN needs running averages', load: () => import('./inference.js') },
  { id: 'ics', number: '+', short: 'Covariate shift?', title: 'Is it really internal covariate shift?', load: () => import('./ics.js') },
  { id: 'images', number: 'R', short: 'Real images', title: 'Real images: Ioffe & Szegedy\'s Figure 1', load: () => import('./images.js') },
];
