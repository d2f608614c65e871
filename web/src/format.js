// Number formatting for labels, tooltips and takeaways.
// A missing number (null / undefined, a result not measured yet) shows as a dash.
/** @param {number | null | undefined} value @param {number} [digits] */
export function num(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(Math.max(digits - 1, 1)).replace('-', '−');
  const text = Number(value.toPrecision(digits)).toString();
  return text.replace('-', '−');
}

/** @param {number | null | undefined} value */
export function int(value) {
  if (value == null || !Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/** @param {number | null | undefined} value @param {number} [digits] */
export function pct(value, digits = 1) {
  if (value == null || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** @param {number | null | undefined} value @param {number} [digits] */
export function plain(value, digits = 6) {
  if (value == null || !Number.isFinite(value)) return '';
  return String(Number(value.toPrecision(digits)));
}
