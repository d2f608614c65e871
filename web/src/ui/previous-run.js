// The previous run: after a change of settings the run on the charts stays, faded, on the line
// charts (and its headline under the takeaway), labelled with the settings that differ, until the
// student presses "Clear previous run" or Reset.
import { optionLabel, optionValue } from '../state.js';

/** @typedef {import('./chart-area.js').Chart} Chart */
/** @typedef {{ key: string, label: string, kind?: string, options?: any[], [field: string]: any }} Control */
/** @typedef {{ values: Record<string, any>, result: any, headline: string, data: Map<string, any> }} PreviousRun */

/** @param {Control} control @param {any} value */
const optionText = (control, value) => {
  if (control.kind === 'toggle') return value ? 'on' : 'off';
  const option = control.options?.find((o) => optionValue(o) === value);
  return option !== undefined ? optionLabel(option) : String(value);
};
/** "learning rate 0.01" @param {Control} control @param {any} value */
const describe = (control, value) => `${control.label.toLowerCase()} ${optionText(control, value)}`;

/**
 * @param {{ controls: Control[], values: () => Record<string, any>, button: HTMLElement, note: HTMLElement,
 *           setPreviousHeadline: (text: string) => void }} options  controls: the sweep's (not live)
 */
export function createPreviousRun({ controls, values, button, note, setPreviousHeadline }) {
  /** @type {PreviousRun | null} */
  let previous = null;
  // The settings that differ from the current ones, e.g. "learning rate 0.01".
  function label() {
    if (!previous) return '';
    const was = previous.values;
    const now = values();
    const differ = controls.filter((c) => JSON.stringify(was[c.key]) !== JSON.stringify(now[c.key]));
    return differ.length ? differ.map((c) => describe(c, was[c.key])).join(', ') : 'same settings';
  }
  return {
    get current() {
      return previous;
    },
    label,
    /**
     * The run on the charts becomes the previous run (if its charts have data to keep).
     * @param {any} result @param {Record<string, any> | null} runValues
     * @param {Map<string, Chart>} charts @param {string} headline
     */
    keep(result, runValues, charts, headline) {
      if (!result || !runValues) return;
      const data = new Map();
      for (const [id, chart] of charts) {
        const got = chart.ghostData?.();
        if (got) data.set(id, got);
      }
      if (!data.size) return;
      previous = { values: runValues, result, headline, data };
    },
    /** Laid under the (new) charts, with its note and button. @param {Map<string, Chart>} charts @param {boolean} hasResult */
    apply(charts, hasResult) {
      const text = label();
      for (const [id, chart] of charts) chart.setGhost?.(previous?.data.get(id) ? { label: text, ...previous.data.get(id) } : null);
      button.hidden = !previous;
      note.hidden = !previous;
      note.textContent = previous ? `Faded on the line charts: the previous run (${text}).` : '';
      setPreviousHeadline(previous && hasResult ? `Previous run (${text}): ${previous.headline}` : '');
    },
    forget() {
      previous = null;
    },
  };
}
