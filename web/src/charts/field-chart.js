// fieldChart(el, opts) -> {update, destroy}: a decision boundary (the predicted class on an n x n
// grid, shaded by class colour and confidence) with the data points drawn by class shape.
// update({grid: {n, lo, hi, cls, conf}, points: {x0, x1, label}, summary}); grid row i is x1, column j is x0.
// opts.classes names the predicted classes; opts.pointClasses (optional) styles the points by label.
import { clear, s } from '../dom.js';
import { num, pct } from '../format.js';
import { createFrame, hideTooltip, showTooltip } from './frame.js';
import { drawMarker } from './marker.js';
import { createScale, tickLabel, ticks } from './scale.js';
import { styles } from '../palette.js';

/** @typedef {import('./chart-types').FieldUpdate} FieldUpdate */
/** @typedef {import('./chart-types').Scale} Scale */

const margin = { top: 10, right: 10, bottom: 40, left: 46 };
// Class colours and shapes from the palette (shape is the second encoding).
const classStyle = styles;
/** @param {unknown} c a class index (a number, or its text) */
const styleOf = (c) => classStyle[(Number(c) || 0) % classStyle.length];

// The class colour mixed with white: opaque, so neighbouring cells do not show seams.
/** @param {string} hex '#rrggbb' @param {number} amount 0 (white) .. 1 (the colour) */
function tint(hex, amount) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (/** @type {number} */ c) => Math.round(255 - (255 - c) * amount).toString(16).padStart(2, '0');
  return `#${mix((n >> 16) & 255)}${mix((n >> 8) & 255)}${mix(n & 255)}`;
}

// Confidence is drawn in a few steps, so the whole grid is one path per (class, step): a handful
// of paths instead of n x n rectangles, and the same picture in the SVG and PNG exports.
const shadeSteps = 6;

/** @param {Element} el @param {import('./chart-types').FieldChartOptions} opts @returns {import('./chart-types').FieldChart} */
export function fieldChart(el, opts) {
  const frame = createFrame(el, opts);
  const classNames = opts.classes || ['class 0', 'class 1'];
  const nameOf = (/** @type {number} */ c) => classNames[c] ?? `class ${c}`;
  /** @type {FieldUpdate | null} */
  let data = null;
  /** @type {{ sx: Scale, sy: Scale, size: number, inner: number, height: number } | null} */
  let geometry = null;
  /** @type {{ i: number, j: number } | null} */
  let cursor = null; // {i, j}: the grid cell the keyboard or a tap reads
  // opts.pointClasses ([{label, color, marker}] by point label) separates the points' classes from
  // the regions' (e.g. flipped training labels, which no region is predicted as): the legend then
  // names each region and each kind of point on its own line.
  const pointClasses = opts.pointClasses || null;
  /** @param {number} c */
  const pointStyle = (c) => (pointClasses ? pointClasses[Number(c) || 0] || styleOf(c) : styleOf(c));
  frame.setLegend(pointClasses ? [
    // The region's swatch carries its class's marker too, so two regions differ by more than colour.
    ...classNames.map((label, c) => ({ label: `region predicted as ${label} (darker = more confident)`, color: styleOf(c).color, marker: styleOf(c).marker, band: true })),
    ...pointClasses.map((p) => ({ label: `points: ${p.label}`, color: p.color, marker: p.marker })),
  ] : classNames.map((label, c) => ({
    label: `${label}: points, and the region predicted as ${label} (darker = more confident)`, color: styleOf(c).color, marker: styleOf(c).marker, band: true,
  })));

  const svg = s('svg', {
    class: 'chart-svg', role: 'img', tabindex: 0,
    'aria-label': `${opts.title}. Use the arrow keys to move a cursor over the plane and read the predicted class and confidence.`,
    'font-family': 'system-ui, sans-serif', 'font-size': 12,
  });
  const content = s('g', {}, svg);
  const hover = s('g', {}, svg);

  /** @param {number} i row (x1) @param {number} j column (x0) */
  function cellText(i, j) {
    const g = data?.grid;
    if (!g || !g.cls) return '';
    const h = (g.hi - g.lo) / g.n;
    const k = i * g.n + j;
    const at = `(${num(g.lo + (j + 0.5) * h)}, ${num(g.lo + (i + 0.5) * h)})`;
    if (!Number.isFinite(g.cls[k]) || !Number.isFinite(g.conf[k])) return `${at}: no prediction`;
    return `${at}: predicted ${nameOf(g.cls[k])}, confidence ${pct(g.conf[k])}`;
  }

  function drawCursor(speak = false) {
    clear(hover);
    const g = data?.grid;
    if (!cursor || !geometry || !g || !g.cls) {
      hideTooltip(frame);
      return;
    }
    const { inner } = geometry;
    const cell = inner / g.n;
    const cx = margin.left + (cursor.j + 0.5) * cell;
    const cy = margin.top + inner - (cursor.i + 0.5) * cell;
    s('rect', { x: cx - cell / 2 - 1, y: cy - cell / 2 - 1, width: cell + 2, height: cell + 2, fill: 'none', stroke: '#000000', 'stroke-width': 2 }, hover);
    s('circle', { cx, cy, r: 5, fill: 'none', stroke: '#000000', 'stroke-width': 2 }, hover);
    const text = cellText(cursor.i, cursor.j);
    const rect = svg.getBoundingClientRect();
    const scale = rect.width / geometry.size || 1;
    showTooltip(frame, cx * scale, cy * scale, [text]);
    if (speak) frame.readout(text);
  }

  /** @param {PointerEvent} event */
  const cellAt = (event) => {
    const g = data?.grid;
    if (!g || !geometry) return null;
    const { size, inner, height } = geometry;
    const rect = svg.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * size;
    const py = ((event.clientY - rect.top) / rect.height) * height;
    if (px < margin.left || px > margin.left + inner || py < margin.top || py > margin.top + inner) return null;
    return {
      j: Math.min(g.n - 1, Math.floor(((px - margin.left) / inner) * g.n)),
      i: Math.min(g.n - 1, Math.floor(((margin.top + inner - py) / inner) * g.n)),
    };
  };
  svg.addEventListener('pointermove', (event) => {
    const at = cellAt(event);
    if (!at) return;
    cursor = at;
    drawCursor(event.pointerType === 'touch');
  });
  svg.addEventListener('pointerdown', (event) => {
    const at = cellAt(event);
    if (!at) return;
    cursor = at;
    drawCursor(true);
  });
  svg.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'touch') return;
    clear(hover);
    hideTooltip(frame);
  });
  svg.addEventListener('keydown', (event) => {
    const g = data?.grid;
    /** @type {Record<string, number[]>} */
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0] };
    if (event.key === 'Escape') {
      cursor = null;
      drawCursor();
      return;
    }
    if (!g || !g.cls || !(event.key in moves || event.key === 'Home')) return;
    event.preventDefault();
    const jump = event.shiftKey ? Math.max(1, Math.round(g.n / 8)) : 1;
    const mid = Math.floor(g.n / 2);
    if (!cursor || event.key === 'Home') cursor = { i: mid, j: mid };
    else {
      const [di, dj] = moves[event.key];
      cursor = { i: Math.min(g.n - 1, Math.max(0, cursor.i + di * jump)), j: Math.min(g.n - 1, Math.max(0, cursor.j + dj * jump)) };
    }
    drawCursor(true);
  });
  svg.addEventListener('blur', () => {
    clear(hover);
    hideTooltip(frame);
  });
  frame.setSvg(svg);

  function render() {
    const width = frame.width();
    const size = Math.min(width, opts.maxSize || 340);
    const inner = size - margin.left - margin.right;
    const height = inner + margin.top + margin.bottom;
    const g = data?.grid;
    const xd = g ? [g.lo, g.hi] : [-1.75, 1.75];
    const yd = xd;
    const sx = createScale(xd, [margin.left, margin.left + inner]);
    const sy = createScale(yd, [margin.top + inner, margin.top]);
    geometry = { sx, sy, size, inner, height };
    svg.setAttribute('viewBox', `0 0 ${size} ${height}`);
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(height));
    clear(content);
    s('rect', { x: 0, y: 0, width: size, height, fill: '#ffffff' }, content);
    const classes = classNames.length;
    if (g && g.cls && g.n > 0) {
      const cell = inner / g.n;
      const bucket = new Int32Array(g.n * g.n).fill(-1);
      for (let k = 0; k < g.n * g.n; k += 1) {
        const conf = g.conf[k];
        if (!Number.isFinite(conf) || !Number.isFinite(g.cls[k])) continue;
        const strength = Math.min(Math.max((conf - 1 / classes) / (1 - 1 / classes), 0), 1);
        bucket[k] = (Number(g.cls[k]) % classStyle.length) * shadeSteps + Math.min(shadeSteps - 1, Math.floor(strength * shadeSteps));
      }
      // One rectangle per run of equal cells in a row, one path per bucket.
      const paths = new Map();
      for (let i = 0; i < g.n; i += 1) {
        const y = (margin.top + inner - (i + 1) * cell).toFixed(2);
        for (let j = 0; j < g.n;) {
          const b = bucket[i * g.n + j];
          let end = j + 1;
          while (end < g.n && bucket[i * g.n + end] === b) end += 1;
          if (b >= 0) {
            const x = (margin.left + j * cell).toFixed(2);
            const w = ((end - j) * cell + 0.5).toFixed(2);
            paths.set(b, `${paths.get(b) || ''}M${x},${y}h${w}v${(cell + 0.5).toFixed(2)}h-${w}Z`);
          }
          j = end;
        }
      }
      for (const [b, d] of [...paths].sort((p, q) => p[0] - q[0])) {
        const cls = Math.floor(b / shadeSteps);
        const strength = ((b % shadeSteps) + 0.5) / shadeSteps;
        s('path', { d, fill: tint(classStyle[cls].color, 0.08 + 0.4 * strength), 'data-class': cls }, content);
      }
    }
    for (const t of ticks(sx, 4)) s('text', { x: sx(t), y: margin.top + inner + 15, 'text-anchor': 'middle', fill: '#333333', text: tickLabel(t) }, content);
    for (const t of ticks(sy, 4)) s('text', { x: margin.left - 5, y: sy(t) + 4, 'text-anchor': 'end', fill: '#333333', text: tickLabel(t) }, content);
    s('rect', { x: margin.left, y: margin.top, width: inner, height: inner, fill: 'none', stroke: '#767676' }, content);
    s('text', { x: margin.left + inner / 2, y: height - 6, 'text-anchor': 'middle', fill: '#111111', text: opts.x?.label || 'x1' }, content);
    s('text', { x: 0, y: 0, transform: `translate(12,${margin.top + inner / 2}) rotate(-90)`, 'text-anchor': 'middle', fill: '#111111', text: opts.y?.label || 'x2' }, content);
    const pts = data?.points;
    if (pts) {
      const total = Math.min(pts.x0.length, pts.x1.length);
      const stride = Math.max(1, Math.ceil(total / (opts.maxPoints || 600)));
      for (let i = 0; i < total; i += stride) {
        const x = pts.x0[i];
        const y = pts.x1[i];
        if (!Number.isFinite(x) || !Number.isFinite(y) || x < xd[0] || x > xd[1] || y < yd[0] || y > yd[1]) continue;
        const style = pointStyle(pts.label[i]);
        drawMarker(content, style.marker, sx(x), sy(y), style.color, 2.6);
      }
    }
    if (cursor && g && (cursor.i >= g.n || cursor.j >= g.n)) cursor = null;
    if (cursor && (document.activeElement === svg || !frame.tooltip.hidden)) drawCursor();
    else clear(hover);
  }

  /** @param {unknown} c */
  const className = (c) => (Number.isFinite(Number(c)) ? nameOf(Number(c)) : '');

  function exportData() {
    const rows = [];
    const g = data?.grid;
    if (g && g.cls) {
      const h = (g.hi - g.lo) / g.n;
      for (let i = 0; i < g.n; i += 1) {
        for (let j = 0; j < g.n; j += 1) rows.push(['grid', g.lo + (j + 0.5) * h, g.lo + (i + 0.5) * h, className(g.cls[i * g.n + j]), g.conf[i * g.n + j]]);
      }
    }
    const pts = data?.points;
    if (pts) for (let i = 0; i < pts.x0.length; i += 1) rows.push(['point', pts.x0[i], pts.x1[i], className(pts.label[i]), '']);
    return { columns: ['kind', opts.x?.label || 'x0', opts.y?.label || 'x1', 'class', 'confidence'], rows };
  }

  render();
  return {
    frame,
    update(next) {
      data = next;
      render();
      frame.setSummary(next.summary || '');
      frame.setNote(next.note || '');
      frame.setExport(exportData);
    },
    destroy: () => frame.destroy(),
  };
}
