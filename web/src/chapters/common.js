// Pieces shared by the chapter modules: common controls and small readers of result arrays.
import { colors } from '../palette.js';

/** @typedef {import('./chapter-types').ChoiceControl} ChoiceControl */
/** @typedef {import('./chapter-types').NumberControl} NumberControl */
/** @typedef {import('./chapter-types').TakeawayObject} TakeawayObject */

// The core's range (bnlab schema: spec.seed is 0 .. 2^53); tests/js/schema.test.js keeps them equal.
/** @type {NumberControl} */
export const seedControl = {
  key: 'seed', label: 'Seed', kind: 'integer', min: 0, max: 2 ** 53, path: 'seed', fallback: 1,
  hint: 'Fixes data, initial weights, batch order and dropout masks.',
};

/** @returns {ChoiceControl} */
export const batchControl = (path = 'train.batch_size') => ({
  key: 'batch', label: 'Mini-batch size', kind: 'choice', options: [64, 128, 256, 512], path, fallback: 64,
});

/** @param {number[]} [options] @param {string} [path] @returns {ChoiceControl} */
export const lrControl = (options = [0.01, 0.03, 0.1, 0.3, 1], path = 'train.lr') => ({
  key: 'lr', label: 'Learning rate', kind: 'choice', options, path, fallback: options[0],
});

/** @returns {ChoiceControl} */
export const momentumControl = (path = 'train.momentum') => ({
  key: 'momentum', label: 'SGD momentum', kind: 'choice', options: [0, 0.5, 0.9], path, fallback: 0.9,
});

// Two fixed looks, so "with BN" and "without BN" read the same in every chapter.
/** @type {Record<string, {label: string, color: string, dash: string, marker: string}>} keys plain, bn */
export const netStyles = {
  plain: { label: 'without BN', color: colors.vermillion, dash: '7 4', marker: 'square' },
  bn: { label: 'with BN', color: colors.blue, dash: '', marker: 'circle' },
};

// The value when it is an array or a typed array (a result's list), else an empty list; the
// elements are the result's JSON, so they are read as such.
/** @type {(v: unknown) => any[]} */
export const arr = (v) => (v && typeof /** @type {{length?: unknown}} */ (v).length === 'number' && typeof v !== 'string' ? /** @type {any[]} */ (v) : []);

/** @param {unknown} values @returns {number} */
export function lastFinite(values) {
  const a = arr(values);
  for (let i = a.length - 1; i >= 0; i -= 1) if (Number.isFinite(a[i])) return a[i];
  return NaN;
}

/** @param {unknown} values @returns {number} */
export function minFinite(values) {
  let best = Infinity;
  for (const v of arr(values)) if (Number.isFinite(v) && v < best) best = v;
  return best === Infinity ? NaN : best;
}

/** @type {(v: unknown) => v is number} */
export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// The takeaway object a render returns (BRIEF interface 1): one plain sentence answering the
// chapter's question from this run; further numbers in `details`; a `callout` where the
// measurement disagrees with the lecture or a paper. Empty details are dropped.
/**
 * @param {string} headline
 * @param {unknown[]} [details] strings; anything else, and blank ones, are dropped
 * @param {{title: string, text: string} | null} [callout]
 * @returns {TakeawayObject}
 */
export function takeaway(headline, details = [], callout = null) {
  /** @type {TakeawayObject} */
  const t = { headline, details: details.filter(/** @returns {d is string} */ (d) => typeof d === 'string' && !!d.trim()) };
  if (callout) t.callout = callout;
  return t;
}

// A paragraph cut into its sentences (a full stop followed by a capital or an opening bracket
// starts a new one; "0.41", "1/sqrt(m)" and "et al. (2018)" stay whole).
/** @param {unknown} text @returns {string[]} */
export function sentences(text) {
  if (typeof text !== 'string' || !text.trim()) return [];
  return text.trim().split(/(?<=[.!?])(?<!\bal\.)\s+(?=[A-Z(‖])/u);
}

// "a, b and c": names in running text.
/** @param {string[]} names */
export function listed(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

// First letter up, for a headline built from a summary's phrase.
/** @type {(text: string) => string} */
export const capitalize = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
