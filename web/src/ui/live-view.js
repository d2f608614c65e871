// A chapter's live view on the page: its heading and intro, its own controls ("a change re-trains
// its nets at once"), a one-line error, its takeaway and its charts. The runs behind it are
// run-control.js's; this only draws what they give.
import { h } from '../dom.js';
import { richText } from './rich-text.js';
import { makeCharts } from './chart-area.js';
import { takeawayView } from './takeaway-view.js';

/** @typedef {import('./chart-area.js').ChartDecl} ChartDecl */
/**
 * A chapter's live declaration, the fields drawn here.
 * @typedef {{ charts: ChartDecl[] | ((preset: any) => ChartDecl[]), render: (parts: any[], charts: Map<string, any>, context: { values: Record<string, any>, done: boolean }) => any,
 *             heading?: string, intro?: string[], [field: string]: any }} LiveDrawing
 */

/**
 * @param {{ id: string, number: string, live: LiveDrawing }} chapter
 * @param {{ preset: any, controls: HTMLElement[], onDrawn: () => void }} options
 */
export function createLiveView(chapter, { preset, controls, onDrawn }) {
  const live = chapter.live;
  const view = takeawayView(chapter.id, 'Starting the live view…', { className: 'live-takeaway', live: true });
  const error = h('p', { class: 'run-error', role: 'alert', hidden: true });
  const grid = h('div', { class: 'charts live-charts' });
  const defs = typeof live.charts === 'function' ? live.charts(preset) : live.charts;
  const charts = makeCharts(chapter.id, defs, () => grid);
  const node = h('div', { class: 'live', 'data-live': chapter.id }, [
    live.heading ? h('h3', {}, richText(live.heading)) : null,
    ...(live.intro || []).map((text) => h('p', { class: 'intro' }, richText(text))),
    h('form', { class: 'controls', 'aria-label': `Live settings for chapter ${chapter.number}` }, [
      h('fieldset', { class: 'control-group live' }, [h('legend', { text: 'Live (a change re-trains its nets at once)' }), ...controls]),
    ]),
    error,
    view.box,
    grid,
  ]);
  return {
    node,
    /** @param {string | null} text */
    error(text) {
      error.hidden = text === null;
      if (text !== null) error.textContent = text;
    },
    /** @param {string} text */
    message(text) {
      view.message(text);
    },
    /** @param {any[]} parts @param {boolean} done @param {Record<string, any>} values */
    draw(parts, done, values) {
      try {
        const text = live.render(parts, charts, { values, done });
        if (text) view.show(text);
        onDrawn();
      } catch (err) {
        view.message(`The live plots could not be drawn (${/** @type {Error} */ (err).message}).`);
        console.warn(`chapter ${chapter.id}: live render failed`, err);
      }
    },
  };
}
