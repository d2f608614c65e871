// scatterChart(el, opts) -> {update, reset, destroy}: one cloud of points (e.g. two hidden units
// over a mini-batch) with a fading trail of its mean, a 1-sigma ellipse and an optional target
// marker. The axes only grow during a run (so a drifting cloud is seen to drift); reset() clears.
import { clear, s } from '../dom.js';
import { num } from '../format.js';
import { createFrame, hideTooltip, showTooltip } from './frame.js';
import { drawMarker } from './marker.js';
import { createScale, extent, niceDomain, tickLabel, ticks } from './scale.js';

/** @typedef {import('./chart-types').ScatterUpdate} ScatterUpdate */
/** @typedef {import('./chart-types').Scale} Scale */

const margin = { top: 12, right: 14, bottom: 44, left: 52 };

// Axes of the 1-sigma ellipse of a 2x2 covariance [[a, b], [b, c]].
/**
 * @param {number} cx @param {number} cy @param {number} a @param {number} b @param {number} c
 * @returns {import('./chart-types').Ellipse}
 */
export function ellipseOf(cx, cy, a, b, c) {
  const mid = (a + c) / 2;
  const diff = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const l1 = Math.max(mid + diff, 0);
  const l2 = Math.max(mid - diff, 0);
  const angle = Math.abs(b) < 1e-12 && a >= c ? 0 : Math.atan2(l1 - a, b);
  return { cx, cy, rx: Math.sqrt(l1), ry: Math.sqrt(l2), angle: Number.isFinite(angle) ? angle : 0 };
}

/** @param {Element} el @param {import('./chart-types').ScatterChartOptions} opts @returns {import('./chart-types').ScatterChart} */
export function scatterChart(el, opts) {
  const frame = createFrame(el, opts);
  const color = opts.color || '#0072B2';
  const marker = opts.marker || 'circle';
  /** @type {ScatterUpdate & {points: import('./chart-types').XY}} */
  let data = { points: { x: [], y: [] } };
  /** @type {number[] | null} the axes' [lo, hi] so far (they only grow during a run) */
  let sticky = null;
  let focusIndex = -1;
  /** @type {{ sx: Scale, sy: Scale, width: number } | null} */
  let geometry = null;

  frame.setLegend([
    { label: opts.pointLabel || 'one example of the mini-batch', color, marker },
    { label: 'mean over training (trail)', color: '#000000', dash: '' },
    { label: '1-sigma ellipse', color: '#000000', dash: '5 3' },
    ...(opts.targetLabel ? [{ label: opts.targetLabel, color: '#009E73', marker: 'cross' }] : []),
  ]);

  // Built once; render() redraws `content` in place and keeps `hover` (the cursor) on top.
  const svg = s('svg', {
    class: 'chart-svg', role: 'img', tabindex: 0,
    'aria-label': `${opts.title}. Use the arrow keys to read single points.`,
    'font-family': 'system-ui, sans-serif', 'font-size': 12,
  });
  const content = s('g', {}, svg);
  const hover = s('g', {}, svg);
  /** @param {PointerEvent} event */
  const pick = (event) => {
    if (!geometry) return;
    const { x, y } = data.points;
    const rect = svg.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * geometry.width;
    const py = ((event.clientY - rect.top) / rect.height) * geometry.width;
    let best = -1;
    let bestDist = (event.pointerType === 'touch' ? 24 : 15) ** 2;
    for (let i = 0; i < x.length; i += 1) {
      const dist = (geometry.sx(x[i]) - px) ** 2 + (geometry.sy(y[i]) - py) ** 2;
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    focusIndex = best;
    drawFocus(event.type === 'pointerdown');
  };
  svg.addEventListener('pointermove', pick);
  svg.addEventListener('pointerdown', pick);
  svg.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'touch') return;
    clear(hover);
    hideTooltip(frame);
  });
  svg.addEventListener('keydown', (event) => {
    const { x } = data.points;
    if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(event.key) || !x.length) return;
    event.preventDefault();
    const delta = event.key === 'ArrowLeft' || event.key === 'ArrowDown' ? -1 : 1;
    focusIndex = (focusIndex + delta + x.length) % x.length;
    drawFocus(true);
  });
  svg.addEventListener('blur', () => {
    clear(hover);
    hideTooltip(frame);
  });
  frame.setSvg(svg);

  function domain() {
    const xs = [...data.points.x, ...(data.trail?.x || [])];
    const ys = [...data.points.y, ...(data.trail?.y || [])];
    if (data.ellipse) {
      const { cx, cy, rx, ry } = data.ellipse;
      const r = Math.max(rx, ry);
      xs.push(cx - r, cx + r);
      ys.push(cy - r, cy + r);
    }
    if (data.target) {
      xs.push(data.target.x);
      ys.push(data.target.y);
    }
    const ex = extent(xs) || [-1, 1];
    const ey = extent(ys) || [-1, 1];
    const lo = Math.min(ex[0], ey[0]);
    const hi = Math.max(ex[1], ey[1]);
    if (opts.domain) return opts.domain;
    sticky = sticky ? [Math.min(sticky[0], lo), Math.max(sticky[1], hi)] : [lo, hi];
    return niceDomain(sticky);
  }

  function render() {
    const width = frame.width();
    const size = Math.min(width, opts.maxSize || 380);
    const height = size;
    const d = domain();
    const innerW = size - margin.left - margin.right;
    const innerH = height - margin.top - margin.bottom;
    const inner = Math.min(innerW, innerH);
    const sx = createScale(d, [margin.left, margin.left + inner]);
    const sy = createScale(d, [margin.top + inner, margin.top]);
    geometry = { sx, sy, width: size };
    svg.setAttribute('viewBox', `0 0 ${size} ${height}`);
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(height));
    clear(content);
    s('rect', { x: 0, y: 0, width: size, height, fill: '#ffffff' }, content);
    // Four ticks, or more when a nice step of four leaves fewer than three (a lone 0 is no scale).
    const tickValues = ticks(sx, 4).length >= 3 ? ticks(sx, 4) : ticks(sx, 8);
    for (const t of tickValues) {
      s('line', { x1: sx(t), x2: sx(t), y1: margin.top, y2: margin.top + inner, stroke: '#eeeeee' }, content);
      s('text', { x: sx(t), y: margin.top + inner + 15, 'text-anchor': 'middle', fill: '#333333', text: tickLabel(t) }, content);
      s('line', { x1: margin.left, x2: margin.left + inner, y1: sy(t), y2: sy(t), stroke: '#eeeeee' }, content);
      s('text', { x: margin.left - 5, y: sy(t) + 4, 'text-anchor': 'end', fill: '#333333', text: tickLabel(t) }, content);
    }
    s('rect', { x: margin.left, y: margin.top, width: inner, height: inner, fill: 'none', stroke: '#767676' }, content);
    s('text', { x: margin.left + inner / 2, y: margin.top + inner + 34, 'text-anchor': 'middle', fill: '#111111', 'font-size': 13, text: opts.x?.label || 'x' }, content);
    s('text', { x: 0, y: 0, transform: `translate(13,${margin.top + inner / 2}) rotate(-90)`, 'text-anchor': 'middle', fill: '#111111', 'font-size': 13, text: opts.y?.label || 'y' }, content);

    const { x, y } = data.points;
    for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
      if (Number.isFinite(x[i]) && Number.isFinite(y[i])) drawMarker(content, marker, sx(x[i]), sy(y[i]), color, 3.2);
    }
    const trail = data.trail;
    if (trail && trail.x.length > 1) {
      const n = trail.x.length;
      for (let i = 1; i < n; i += 1) {
        if (![trail.x[i - 1], trail.y[i - 1], trail.x[i], trail.y[i]].every(Number.isFinite)) continue;
        s('line', {
          x1: sx(trail.x[i - 1]), y1: sy(trail.y[i - 1]), x2: sx(trail.x[i]), y2: sy(trail.y[i]),
          stroke: '#000000', 'stroke-width': 2, 'stroke-opacity': (0.15 + (0.85 * i) / n).toFixed(2),
        }, content);
      }
    }
    if (data.ellipse && [data.ellipse.cx, data.ellipse.cy, data.ellipse.rx, data.ellipse.ry].every(Number.isFinite)) {
      const e = data.ellipse;
      const rx = Math.abs(sx(e.cx + e.rx) - sx(e.cx));
      const ry = Math.abs(sx(e.cx + e.ry) - sx(e.cx));
      s('ellipse', {
        cx: 0, cy: 0, rx, ry, fill: 'none', stroke: '#000000', 'stroke-width': 2, 'stroke-dasharray': '5 3',
        transform: `translate(${sx(e.cx).toFixed(1)},${sy(e.cy).toFixed(1)}) rotate(${((-e.angle * 180) / Math.PI).toFixed(1)})`,
      }, content);
      s('circle', { cx: sx(e.cx), cy: sy(e.cy), r: 4, fill: '#000000' }, content);
    }
    if (data.target && Number.isFinite(data.target.x) && Number.isFinite(data.target.y)) {
      drawMarker(content, 'cross', sx(data.target.x), sy(data.target.y), '#009E73', 7);
    }
    if (focusIndex >= x.length) focusIndex = -1;
    if (focusIndex >= 0 && (document.activeElement === svg || !frame.tooltip.hidden)) drawFocus();
    else clear(hover);
  }

  function drawFocus(speak = false) {
    clear(hover);
    if (!geometry) return;  // (never: render() sets it when the chart is built)
    const { x, y } = data.points;
    const lines = [];
    let at = null;
    if (focusIndex >= 0 && focusIndex < x.length) {
      at = [geometry.sx(x[focusIndex]), geometry.sy(y[focusIndex])];
      s('circle', { cx: at[0], cy: at[1], r: 7, fill: 'none', stroke: '#000000', 'stroke-width': 2 }, hover);
      lines.push(`example ${focusIndex + 1}: (${num(x[focusIndex])}, ${num(y[focusIndex])})`);
    }
    if (data.ellipse) lines.push(`mean (${num(data.ellipse.cx)}, ${num(data.ellipse.cy)})`);
    if (!at) {
      hideTooltip(frame);
      return;
    }
    const rect = svg.getBoundingClientRect();
    const k = rect.width / geometry.width || 1;
    showTooltip(frame, at[0] * k, at[1] * k, lines);
    if (speak) frame.readout(lines.join('; '));
  }

  function exportData() {
    const rows = [];
    const { x, y } = data.points;
    for (let i = 0; i < x.length; i += 1) rows.push(['point', i + 1, x[i], y[i]]);
    if (data.trail) for (let i = 0; i < data.trail.x.length; i += 1) rows.push(['mean trail', i + 1, data.trail.x[i], data.trail.y[i]]);
    return { columns: ['kind', 'index', opts.x?.label || 'x', opts.y?.label || 'y'], rows };
  }

  render();
  return {
    frame,
    update(next) {
      data = { points: next.points || { x: [], y: [] }, trail: next.trail, ellipse: next.ellipse, target: next.target };
      render();
      frame.setSummary(next.summary || '');
      frame.setNote(next.note || '');
      frame.setExport(exportData);
    },
    reset() {
      sticky = null;
    },
    destroy: () => frame.destroy(),
  };
}
