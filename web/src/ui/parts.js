// Parts of the page that only some chapters use: the scatter and image-grid charts, the point on a
// chart a prediction can be answered with. The first chapter needs none of them, so the page's
// bundle leaves them out (issue 19: the first chapter's bytes) and main.js loads a chapter's parts
// before it makes the chapter's panel; chart-area.js and ui/predict.js then take them from here,
// synchronously. (The one-file lab bundles them in, and import() resolves at once.)

/** @typedef {(el: HTMLElement, opts: any) => any} ChartMaker */
/** @typedef {typeof import('../charts/predict-point.js').createPredictPoint} PointMaker */

/** @type {{ scatter?: ChartMaker, images?: ChartMaker, createPredictPoint?: PointMaker }} */
const loaded = {};

/** @type {Record<'scatter' | 'images', () => Promise<ChartMaker>>} */
const chartLoaders = {
  scatter: () => import('../charts/scatter-chart.js').then((m) => m.scatterChart),
  images: () => import('../charts/image-grid.js').then((m) => m.imageGrid),
};

/** A chart kind loaded here, or undefined. @param {string} kind @returns {ChartMaker | undefined} */
export const lazyChartKind = (kind) => (kind === 'scatter' || kind === 'images' ? loaded[kind] : undefined);

/** The point question's chart part, once loaded. */
export function predictPointMaker() {
  if (!loaded.createPredictPoint) throw new Error('charts/predict-point.js is not loaded: loadParts(chapter) first');
  return loaded.createPredictPoint;
}

/**
 * Loads what `chapter` draws with: the chart kinds it declares (every lazy kind for a chapter with
 * a live view, whose charts may depend on its preset) and the point question's part.
 * @param {import('../chapters/chapter-types').ChapterModule} chapter
 */
export async function loadParts(chapter) {
  /** @type {Set<string>} */
  const kinds = new Set(chapter.charts.map((c) => c.kind || 'line'));
  if (chapter.live) Object.keys(chartLoaders).forEach((k) => kinds.add(k));
  const jobs = [];
  for (const kind of /** @type {Array<'scatter' | 'images'>} */ (Object.keys(chartLoaders))) {
    if (kinds.has(kind) && !loaded[kind]) jobs.push(chartLoaders[kind]().then((make) => { loaded[kind] = make; }));
  }
  if (chapter.predict?.point && !loaded.createPredictPoint) {
    jobs.push(import('../charts/predict-point.js').then((m) => { loaded.createPredictPoint = m.createPredictPoint; }));
  }
  await Promise.all(jobs);
}
