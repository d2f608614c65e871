// Pieces shared by the chapter modules: common controls and small readers of result arrays.
import { colors } from '../palette.js';

// The core's range (bnlab schema: spec.seed is 0 .. 2^53); tests/js/schema.test.js keeps them equal.
export const seedControl = {
  key: 'seed', label: 'Seed', kind: 'integer', min: 0, max: 2 ** 53, path: 'seed', fallback: 1,
  hint: 'Fixes data, initial weights, batch order and dropout masks.',
};

export const batchControl = (path = 'train.batch_size') => ({
  key: 'batch', label: 'Mini-batch size', kind: 'choice', options: [64, 128, 256, 512], path, fallback: 64,
});

export const lrControl = (options = [0.01, 0.03, 0.1, 0.3, 1], path = 'train.lr') => ({
  key: 'lr', label: 'Learning rate', kind: 'choice', options, path, fallback: options[0],
});

export const momentumControl = (path = 'train.momentum') => ({
  key: 'momentum', label: 'SGD momentum', kind: 'choice', options: [0, 0.5, 0.9], path, fallback: 0.9,
});

// Two fixed looks, so "with BN" and "without BN" read the same in every chapter.
export const netStyles = {
  plain: { label: 'without BN', color: colors.vermillion, dash: '7 4', marker: 'square' },
  bn: { label: 'with BN', color: colors.blue, dash: '', marker: 'circle' },
};

export const arr = (v) => (v && typeof v.length === 'number' && typeof v !== 'string' ? v : []);

export function lastFinite(values) {
  const a = arr(values);
  for (let i = a.length - 1; i >= 0; i -= 1) if (Number.isFinite(a[i])) return a[i];
  return NaN;
}

export function minFinite(values) {
  let best = Infinity;
  for (const v of arr(values)) if (Number.isFinite(v) && v < best) best = v;
  return best === Infinity ? NaN : best;
}

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// The takeaway object a render returns (BRIEF interface 1): one plain sentence answering the
// chapter's question from this run; further numbers in `details`; a `callout` where the
// measurement disagrees with the lecture or a paper. Empty details are dropped.
export function takeaway(headline, details = [], callout = null) {
  const t = { headline, details: details.filter((d) => typeof d === 'string' && d.trim()) };
  if (callout) t.callout = callout;
  return t;
}

// A paragraph cut into its sentences (a full stop followed by a capital or an opening bracket
// starts a new one; "0.41", "1/sqrt(m)" and "et al. (2018)" stay whole).
export function sentences(text) {
  if (typeof text !== 'string' || !text.trim()) return [];
  return text.trim().split(/(?<=[.!?])(?<!\bal\.)\s+(?=[A-Z(‖])/u);
}

// "a, b and c": names in running text.
export function listed(names) {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

// First letter up, for a headline built from a summary's phrase.
export const capitalize = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
