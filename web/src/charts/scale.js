// Linear and log scales with readable ticks.
import { num } from '../format.js';

/** @typedef {import('./chart-types').Scale} Scale */

/**
 * The finite values' [lo, hi] (positive ones only on a log axis), null when there is none.
 * @param {Iterable<number>} values @param {{log?: boolean}} [options] @returns {[number, number] | null}
 */
export function extent(values, { log = false } = {}) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** @param {number} span @param {number} count */
function niceStep(span, count) {
  const raw = span / Math.max(count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power;
  const nice = ratio >= 5 ? 10 : ratio >= 2 ? 5 : ratio >= 1 ? 2 : 1;
  return nice * power;
}

/** @param {number[]} domain [lo, hi] @param {{log?: boolean, zero?: boolean}} [options] @returns {[number, number]} */
export function niceDomain([lo, hi], { log = false, zero = false } = {}) {
  if (log) {
    const a = 10 ** Math.floor(Math.log10(lo) + 1e-9);
    const b = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
    return a === b ? [a / 10, b * 10] : [a, b];
  }
  if (zero) lo = Math.min(lo, 0);
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, 5);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** @param {number[]} domain [lo, hi] @param {number[]} range [from, to] @param {{log?: boolean}} [options] @returns {Scale} */
export function createScale(domain, range, { log = false } = {}) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const f = log ? Math.log10 : (/** @type {number} */ v) => v;
  const a = f(d0);
  const b = f(d1);
  const span = b - a || 1;
  /** @param {number} v */
  const scale = (v) => r0 + ((f(v) - a) / span) * (r1 - r0);
  scale.invert = (/** @type {number} */ p) => {
    const t = a + ((p - r0) / (r1 - r0)) * span;
    return log ? 10 ** t : t;
  };
  scale.domain = domain;
  scale.range = range;
  scale.log = log;
  return scale;
}

/** @param {Scale} scale @param {number} [count] @param {number[] | null} [explicit] @returns {number[]} */
export function ticks(scale, count = 5, explicit = null) {
  const [d0, d1] = scale.domain;
  if (!Number.isFinite(d0) || !Number.isFinite(d1) || d0 === d1 || (scale.log && (d0 <= 0 || d1 <= 0))) return [];
  if (explicit) return explicit.filter((v) => v >= Math.min(d0, d1) && v <= Math.max(d0, d1));
  if (scale.log) {
    const out = [];
    const decades = Math.log10(d1 / d0);
    for (let e = Math.floor(Math.log10(d0)); e <= Math.ceil(Math.log10(d1)); e += 1) {
      for (const m of decades <= 1.5 ? [1, 2, 5] : [1]) {
        const v = m * 10 ** e;
        if (v >= d0 * (1 - 1e-9) && v <= d1 * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  }
  const step = niceStep(d1 - d0, count);
  const out = [];
  for (let v = Math.ceil(d0 / step - 1e-9) * step; v <= d1 + step * 1e-9 && out.length < 50; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** @type {Record<string, string>} */
const superscript = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

// Tick text: plain numbers, powers of ten beyond 1e-3 / 1e6 as 10⁻⁴.
/** @param {number} v */
export function tickLabel(v) {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    const e = Math.round(Math.log10(abs));
    if (Math.abs(abs - 10 ** e) < 1e-9 * abs) return `${v < 0 ? '−' : ''}10${String(e).split('').map((c) => superscript[c]).join('')}`;
  }
  return num(v, 3);
}
