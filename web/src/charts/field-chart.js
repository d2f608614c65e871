// fieldChart(el, opts) -> {update, destroy}: a decision boundary (the predicted class on an n x n
// grid, shaded by class colour and confidence) with the data points drawn by class shape.
// update({grid: {n, lo, hi, cls, conf}, points: {x0, x1, label}, summary}); grid row i is x1, column j is x0.
import { clear, s } from '../dom.js';
import { num, pct } from '../format.js';
import { createFrame, hideTooltip, showTooltip } from './frame.js';
import { drawMarker } from './marker.js';
import { createScale, tickLabel, ticks } from './scale.js';

const margin = { top: 10, right: 10, bottom: 40, left: 46 };
const classStyle = [
  { color: '#0072B2', marker: 'circle' },
  { color: '#D55E00', marker: 'triangle' },
  { color: '#009E73', marker: 'square' },
  { color: '#CC79A7', marker: 'diamond' },
  { color: '#000000', marker: 'cross' },
];
const styleOf = (c) => classStyle[(Number(c) || 0) % classStyle.length];

// The class colour mixed with white: opaque, so neighbouring cells do not show seams.
function tint(hex, amount) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(255 - (255 - c) * amount).toString(16).padStart(2, '0');
  return `#${mix((n >> 16) & 255)}${mix((n >> 8) & 255)}${mix(n & 255)}`;
}

export function fieldChart(el, opts) {
  const frame = createFrame(el, opts);
  let data = null;
  let geometry = null;
  frame.setLegend((opts.classes || ['class 0', 'class 1']).map((label, c) => ({
    label: `${label} (shade: predicted ${label})`, color: styleOf(c).color, marker: styleOf(c).marker, band: true,
  })));

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
    geometry = { sx, sy, size, inner };
    const svg = s('svg', {
      viewBox: `0 0 ${size} ${height}`, width: size, height, class: 'chart-svg', role: 'img', tabindex: 0,
      'aria-label': opts.title, 'font-family': 'system-ui, sans-serif', 'font-size': 12,
    });
    s('rect', { x: 0, y: 0, width: size, height, fill: '#ffffff' }, svg);
    const classes = (opts.classes || [0, 1]).length;
    if (g && g.cls && g.n > 0) {
      const cell = inner / g.n;
      for (let i = 0; i < g.n; i += 1) {
        for (let j = 0; j < g.n; j += 1) {
          const k = i * g.n + j;
          const conf = g.conf[k];
          if (!Number.isFinite(conf) || !Number.isFinite(g.cls[k])) continue;
          const strength = Math.min(Math.max((conf - 1 / classes) / (1 - 1 / classes), 0), 1);
          s('rect', {
            x: (margin.left + j * cell).toFixed(2), y: (margin.top + inner - (i + 1) * cell).toFixed(2),
            width: (cell + 0.5).toFixed(2), height: (cell + 0.5).toFixed(2),
            fill: tint(styleOf(g.cls[k]).color, 0.08 + 0.4 * strength),
          }, svg);
        }
      }
    }
    for (const t of ticks(sx, 4)) s('text', { x: sx(t), y: margin.top + inner + 15, 'text-anchor': 'middle', fill: '#333333', text: tickLabel(t) }, svg);
    for (const t of ticks(sy, 4)) s('text', { x: margin.left - 5, y: sy(t) + 4, 'text-anchor': 'end', fill: '#333333', text: tickLabel(t) }, svg);
    s('rect', { x: margin.left, y: margin.top, width: inner, height: inner, fill: 'none', stroke: '#767676' }, svg);
    s('text', { x: margin.left + inner / 2, y: height - 6, 'text-anchor': 'middle', fill: '#111111', text: opts.x?.label || 'x1' }, svg);
    s('text', { x: 0, y: 0, transform: `translate(12,${margin.top + inner / 2}) rotate(-90)`, 'text-anchor': 'middle', fill: '#111111', text: opts.y?.label || 'x2' }, svg);
    const pts = data?.points;
    if (pts) {
      const total = Math.min(pts.x0.length, pts.x1.length);
      const stride = Math.max(1, Math.ceil(total / (opts.maxPoints || 600)));
      for (let i = 0; i < total; i += stride) {
        const x = pts.x0[i];
        const y = pts.x1[i];
        if (!Number.isFinite(x) || !Number.isFinite(y) || x < xd[0] || x > xd[1] || y < yd[0] || y > yd[1]) continue;
        const style = styleOf(pts.label[i]);
        drawMarker(svg, style.marker, sx(x), sy(y), style.color, 2.6);
      }
    }
    const hover = s('g', {}, svg);
    svg.addEventListener('pointermove', (event) => {
      if (!g) return;
      const rect = svg.getBoundingClientRect();
      const px = ((event.clientX - rect.left) / rect.width) * size;
      const py = ((event.clientY - rect.top) / rect.height) * height;
      if (px < margin.left || px > margin.left + inner || py < margin.top || py > margin.top + inner) return;
      const j = Math.min(g.n - 1, Math.floor(((px - margin.left) / inner) * g.n));
      const i = Math.min(g.n - 1, Math.floor(((margin.top + inner - py) / inner) * g.n));
      const k = i * g.n + j;
      clear(hover);
      s('circle', { cx: px, cy: py, r: 5, fill: 'none', stroke: '#000000', 'stroke-width': 2 }, hover);
      const scale = rect.width / size;
      const name = (opts.classes || [])[g.cls[k]] ?? `class ${g.cls[k]}`;
      showTooltip(frame, px * scale, py * scale, [`(${num(sx.invert(px))}, ${num(sy.invert(py))})`, `predicted ${name}, confidence ${pct(g.conf[k])}`]);
    });
    svg.addEventListener('pointerleave', () => {
      clear(hover);
      hideTooltip(frame);
    });
    frame.setSvg(svg);
  }

  function exportData() {
    const rows = [];
    const g = data?.grid;
    if (g && g.cls) {
      const h = (g.hi - g.lo) / g.n;
      for (let i = 0; i < g.n; i += 1) {
        for (let j = 0; j < g.n; j += 1) rows.push(['grid', g.lo + (j + 0.5) * h, g.lo + (i + 0.5) * h, g.cls[i * g.n + j], g.conf[i * g.n + j]]);
      }
    }
    const pts = data?.points;
    if (pts) for (let i = 0; i < pts.x0.length; i += 1) rows.push(['point', pts.x0[i], pts.x1[i], pts.label[i], '']);
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
