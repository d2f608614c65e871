// Number formatting for labels, tooltips and takeaways.
export function num(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(Math.max(digits - 1, 1)).replace('-', '−');
  const text = Number(value.toPrecision(digits)).toString();
  return text.replace('-', '−');
}

export function int(value) {
  if (!Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

export function pct(value, digits = 1) {
  if (!Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

export function plain(value, digits = 6) {
  if (!Number.isFinite(value)) return '';
  return String(Number(value.toPrecision(digits)));
}
