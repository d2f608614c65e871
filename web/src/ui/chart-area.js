// A chapter's charts on the page: made from its chart declarations, grouped side by side where
// they share a `group`, and made again empty for a new run with the keyboard focus kept.
import { clear, h } from '../dom.js';
import { lineChart } from '../charts/line-chart.js';
import { fieldChart } from '../charts/field-chart.js';
import { lazyChartKind } from './parts.js';

// The kinds the first chapter draws; the scatter and image charts load with the chapters that
// draw them (ui/parts.js).
/** @type {Record<string, (el: HTMLElement, opts: any) => any>} */
const chartKinds = { line: lineChart, field: fieldChart };
/** @param {string} kind */
function chartMaker(kind) {
  const make = chartKinds[kind] || lazyChartKind(kind);
  if (!make) throw new Error(`chart kind "${kind}" is not loaded (ui/parts.js loadParts)`);
  return make;
}

/**
 * A chart as the panel uses it (charts/*.js): update/… for the chapter's render; the line charts
 * also keep a previous run faded (ghostData/setGhost).
 * @typedef {import('../chapters/chapter-types').ChapterChart & { destroy: () => void, ghostData?: () => any, setGhost?: (ghost: any) => void }} Chart
 */

/** @typedef {{ id: string, kind?: string, group?: string, [option: string]: any }} ChartDecl */

/**
 * Makes the charts of `defs` into their areas (`areaOf(def)`), a group per `group` (or per chart).
 * @param {string} chapterId
 * @param {ChartDecl[]} defs
 * @param {(def: ChartDecl) => HTMLElement} areaOf
 * @returns {Map<string, Chart>}
 */
export function makeCharts(chapterId, defs, areaOf) {
  /** @type {Map<string, Chart>} */
  const charts = new Map();
  /** @type {Map<string, HTMLElement>} */
  const groups = new Map();
  for (const def of defs) {
    const groupKey = def.group || def.id;
    if (!groups.has(groupKey)) {
      /** @type {HTMLElement} */
      const group = h('div', { class: `chart-group${def.group ? ' side-by-side' : ''}` });
      groups.set(groupKey, group);
      areaOf(def).appendChild(group);
    }
    const group = /** @type {HTMLElement} */ (groups.get(groupKey));
    charts.set(def.id, chartMaker(def.kind || 'line')(group, { name: `${chapterId}-${def.id}`, ...def }));
  }
  return charts;
}

const focusable = 'svg[tabindex], button, summary, [tabindex="0"]';

/**
 * The chapter's charts: in `chartArea`, but the `lead` chart in `leadArea` (under the claim).
 * @param {{ id: string, charts: ChartDecl[], lead?: string }} chapter
 * @param {HTMLElement} chartArea
 * @param {HTMLElement | null} leadArea
 */
export function createChartArea(chapter, chartArea, leadArea) {
  /** @type {Map<string, Chart>} */
  let charts = new Map();
  const areas = /** @type {HTMLElement[]} */ ([chartArea, leadArea].filter(Boolean));
  return {
    get charts() {
      return charts;
    },
    // Rebuilt for a new run (every chart kind starts empty); a chart control that had the keyboard
    // focus gets it back in the new chart (the same chart and the same place in it), after
    // `dress(charts)` (the previous run laid under them) has run.
    /** @param {(charts: Map<string, Chart>) => void} [dress] */
    rebuild(dress) {
      const focused = /** @type {HTMLElement | null} */ (document.activeElement);
      /** @type {{ name: string | undefined, index: number } | null} */
      let refocus = null;
      if (focused && areas.some((a) => a.contains(focused))) {
        const figure = /** @type {HTMLElement | null} */ (focused.closest('[data-chart]'));
        const all = figure ? [...figure.querySelectorAll(focusable)] : [];
        refocus = figure ? { name: figure.dataset.chart, index: all.indexOf(focused) } : null;
      }
      for (const chart of charts.values()) chart.destroy();
      for (const area of areas) clear(area);
      charts = makeCharts(chapter.id, chapter.charts, (def) => (def.id === chapter.lead && leadArea ? leadArea : chartArea));
      dress?.(charts);
      if (refocus) {
        const name = refocus.name;
        const figure = areas.flatMap((a) => [...a.querySelectorAll('[data-chart]')]).find((f) => f.getAttribute('data-chart') === name);
        const all = /** @type {HTMLElement[]} */ (figure ? [...figure.querySelectorAll(focusable)] : []);
        (all[refocus.index] || all[0])?.focus({ preventScroll: true });
      }
      return charts;
    },
  };
}
