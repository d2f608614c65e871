// lineChart(el, opts) -> {update, destroy}: curves, bands, error bars and reference lines on
// linear or log axes, with hover values (pointer and arrow keys), a legend, a text summary and
// a data table. Non-finite values are gaps; a series flagged `diverged` is labelled as such.
// A previous run can stay on the chart, faded, while the next one is drawn: setGhost({label, series,
// hlines}) (the data of an earlier update(), see ghostData()); it has one legend entry ("faded:
// previous run, <label>") and its rows in the data table and the exports, named "<series> (<label>)".
// update({ vmarks: [{x, label}] }) marks an x where there is deliberately no value (a dashed
// vertical line with its label, e.g. "full batch: no noise"), also listed in the data table.
import { clear, s, uid } from '../dom.js';
import { num } from '../format.js';
import { createFrame, hideTooltip, showTooltip } from './frame.js';
import { drawMarker } from './marker.js';
import { createScale, extent, niceDomain, tickLabel, ticks } from './scale.js';

/** @typedef {import('./chart-types').Numbers} Numbers */
/** @typedef {import('./chart-types').Scale} Scale */
/** @typedef {import('./chart-types').LineSeries} LineSeries */
/** @typedef {import('./chart-types').SeriesStyle} SeriesStyle */
/** @typedef {import('./chart-types').HLine} HLine */
/** @typedef {import('./chart-types').VMark} VMark */
/** @typedef {import('./chart-types').Ghost} Ghost */
/** @typedef {import('./chart-types').ExportTable} ExportTable */
/** @typedef {{ series: LineSeries[], hlines: HLine[], vmarks: VMark[], yInclude?: number[] | null }} LineData */

const margin = { top: 14, right: 18, bottom: 46, left: 60 };
const maxDrawn = 1200;

/** @param {unknown} v @returns {v is number} */
function finite(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * @param {Numbers} xs @param {Numbers} ys @param {(v: number) => number} sx @param {(v: number) => number} sy
 * @param {boolean} xLog @param {boolean} yLog
 */
function pathFor(xs, ys, sx, sy, xLog, yLog) {
  const n = Math.min(xs.length, ys.length);
  const stride = Math.max(1, Math.ceil(n / maxDrawn));
  let d = '';
  let pen = false;
  for (let i = 0; i < n; i += 1) {
    if (i % stride !== 0 && i !== n - 1) continue;
    const x = xs[i];
    const y = ys[i];
    if (!finite(x) || !finite(y) || (xLog && x <= 0) || (yLog && y <= 0)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** @param {Numbers} xs @param {Numbers} lo @param {Numbers} hi @param {(v: number) => number} sx @param {(v: number) => number} sy */
function bandPath(xs, lo, hi, sx, sy) {
  const pts = [];
  for (let i = 0; i < xs.length; i += 1) {
    if (finite(xs[i]) && finite(lo[i]) && finite(hi[i])) pts.push(i);
  }
  if (pts.length < 2) return '';
  const top = pts.map((i) => `${sx(xs[i]).toFixed(1)},${sy(hi[i]).toFixed(1)}`);
  const bottom = pts.reverse().map((i) => `${sx(xs[i]).toFixed(1)},${sy(lo[i]).toFixed(1)}`);
  return `M${top.join('L')}L${bottom.join('L')}Z`;
}

/** @param {Numbers} xs @param {Numbers} ys */
function lastFinite(xs, ys) {
  for (let i = Math.min(xs.length, ys.length) - 1; i >= 0; i -= 1) {
    if (finite(xs[i]) && finite(ys[i])) return i;
  }
  return -1;
}

/** @param {Numbers} xs @param {number} x */
function nearestIndex(xs, x) {
  let best = -1;
  let bestDist = Infinity;
  for (let i = 0; i < xs.length; i += 1) {
    const d = Math.abs(xs[i] - x);
    if (d < bestDist) {
      bestDist = d;
      best = i;
    }
  }
  return best;
}

/** @param {Element} el @param {import('./chart-types').LineChartOptions} opts @returns {import('./chart-types').LineChart} */
export function lineChart(el, opts) {
  const frame = createFrame(el, opts);
  const height = opts.height || 260;
  /** @type {Map<string, Partial<SeriesStyle>>} */
  const styleOf = new Map(opts.series.map((spec) => [spec.key, spec]));
  // Category axes (x = 0..k-1 with named ticks: shift kinds, decays) give the names in the
  // read-out, the data table and the exports, not the index.
  /** @param {number} v @returns {number | string} */
  const xName = (v) => {
    if (!opts.x?.ticks || !opts.x?.tickFormat || !opts.x.ticks.includes(v)) return v;
    const name = opts.x.tickFormat(v);
    return name !== '' && name !== String(v) ? name : v;
  };
  const xNumber = opts.xFormat || ((/** @type {number} */ v) => num(v, 4));
  /** @param {number} v */
  const xFormat = (v) => { const name = xName(v); return typeof name === 'string' ? name : xNumber(v); };
  const yFormat = opts.yFormat || ((/** @type {number} */ v) => num(v, 3));
  /** @type {LineData} */
  let data = { series: [], hlines: [], vmarks: [] };
  /** @type {Ghost | null} */
  let ghost = null;
  const ghostColor = '#6b6b6b';
  /** @type {number | null} */
  let hoverX = null;
  /** @type {{ sx: Scale, sy: Scale, width: number, innerW: number, innerH: number } | null} */
  let geometry = null;
  const clipId = uid('clip');

  let legendKeys = '';
  function updateLegend() {
    const present = new Set([...data.series.map((d) => d.key), ...(data.hlines || []).map((d) => d.key)]);
    const shown = present.size ? opts.series.filter((spec) => present.has(spec.key)) : opts.series;
    const ghostItem = ghost ? [{ label: `faded: previous run, ${ghost.label}`, color: ghostColor, dash: '2 3' }] : [];
    const keys = shown.map((spec) => spec.key).join('|') + (ghost ? `|ghost:${ghost.label}` : '');
    if (keys === legendKeys) return;
    legendKeys = keys;
    frame.setLegend([...shown, ...(opts.legendExtra || []), ...ghostItem]);
  }
  updateLegend();

  // Built once; render() redraws `content` in place and keeps `hover` (the cursor) on top.
  const svg = s('svg', {
    class: 'chart-svg', role: 'img', tabindex: 0,
    'aria-label': `${opts.title}. Use the left and right arrow keys to read values.`,
    'font-family': 'system-ui, sans-serif', 'font-size': 12,
  });
  const content = s('g', {}, svg);
  const hover = s('g', { class: 'hover' }, svg);
  /** @param {PointerEvent} event */
  const pointAt = (event) => {
    if (!geometry) return false;
    const rect = svg.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * geometry.width;
    if (x < margin.left || x > margin.left + geometry.innerW) return false;
    hoverX = geometry.sx.invert(x);
    return true;
  };
  svg.addEventListener('pointermove', (event) => {
    if (pointAt(event)) drawHover(event.pointerType === 'touch');
  });
  // A tap reads the value under the finger (and keeps it until the next tap).
  svg.addEventListener('pointerdown', (event) => {
    if (pointAt(event)) drawHover(true);
  });
  svg.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'touch') return;
    hoverX = null;
    clear(hover);
    hideTooltip(frame);
  });
  svg.addEventListener('keydown', onKey);
  svg.addEventListener('blur', () => {
    clear(hover);
    hideTooltip(frame);
  });
  frame.setSvg(svg);

  function domains() {
    const xs = [];
    const ys = [];
    for (const series of data.series.concat(ghost?.series || [])) {
      xs.push(...series.x);
      ys.push(...series.y);
      // lo comes with hi, errLo with errHi
      if (series.lo) ys.push(...series.lo, .../** @type {Numbers} */ (series.hi));
      if (series.errLo) ys.push(...series.errLo, .../** @type {Numbers} */ (series.errHi));
    }
    for (const line of (data.hlines || []).concat(ghost?.hlines || [])) ys.push(line.y);
    // yInclude: values the y-range must cover (comparable panels pass the same pair, so share a range).
    if (data.yInclude) ys.push(...data.yInclude);
    for (const mark of data.vmarks || []) xs.push(mark.x);
    const xLog = !!opts.x?.log;
    const yLog = !!opts.y?.log;
    let xd = opts.x?.domain || extent(xs, { log: xLog }) || (xLog ? [1, 10] : [0, 1]);
    if (!opts.x?.domain && !opts.x?.ticks) xd = xLog ? niceDomain(xd, { log: true }) : niceDomain(xd, { zero: opts.x?.zero });
    if (!opts.x?.domain && opts.x?.ticks) xd = padLog(xd, xLog);
    let yd = opts.y?.domain || extent(ys, { log: yLog }) || (yLog ? [0.1, 1] : [0, 1]);
    if (opts.y?.cap !== undefined && !opts.y?.domain) yd = [Math.min(yd[0], opts.y.cap), Math.min(yd[1], opts.y.cap)];
    if (!opts.y?.domain) yd = niceDomain(yd, { log: yLog, zero: opts.y?.zero });
    if (opts.y?.max !== undefined && !opts.y?.domain) yd = [Math.min(yd[0], opts.y.max * 0.9), Math.min(yd[1], opts.y.max)];
    if (opts.y?.min !== undefined) yd = [Math.min(yd[0], opts.y.min), yd[1]];
    return { xd, yd, xLog, yLog };
  }

  function render() {
    const width = frame.width();
    const { xd, yd, xLog, yLog } = domains();
    const innerW = width - margin.left - margin.right;
    // Category-like tick labels that would collide are turned by 35 degrees (and get more room).
    const xFmt = opts.x?.tickFormat || tickLabel;
    const xTickValues = opts.x?.ticks || null;
    const longest = xTickValues ? Math.max(...xTickValues.map((v) => String(xFmt(v)).length)) : 0;
    const turn = xTickValues && longest * 6.6 > innerW / xTickValues.length - 6;
    const bottom = turn ? margin.bottom + Math.min(longest * 4, 40) : margin.bottom;
    const innerH = height - margin.top - bottom;
    const sx = createScale(xd, [margin.left, margin.left + innerW], { log: xLog });
    const sy = createScale(yd, [margin.top + innerH, margin.top], { log: yLog });
    geometry = { sx, sy, width, innerW, innerH };

    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    clear(content);
    s('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }, content);
    const defs = s('defs', {}, content);
    const clip = s('clipPath', { id: clipId }, defs);
    s('rect', { x: margin.left, y: margin.top - 2, width: innerW, height: innerH + 4 }, clip);

    const axes = s('g', { class: 'axes' }, content);
    for (const t of ticks(sy, 5, opts.y?.ticks)) {
      const y = sy(t);
      s('line', { x1: margin.left, x2: margin.left + innerW, y1: y, y2: y, stroke: '#e3e3e3' }, axes);
      s('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end', fill: '#333333', text: (opts.y?.tickFormat || tickLabel)(t) }, axes);
    }
    for (const t of ticks(sx, Math.max(2, Math.floor(innerW / 70)), opts.x?.ticks)) {
      const x = sx(t);
      s('line', { x1: x, x2: x, y1: margin.top, y2: margin.top + innerH, stroke: '#eeeeee' }, axes);
      const y = margin.top + innerH + 16;
      s('text', turn
        ? { x, y, 'text-anchor': 'end', fill: '#333333', transform: `rotate(-35 ${x.toFixed(1)} ${y - 4})`, text: xFmt(t) }
        : { x, y, 'text-anchor': 'middle', fill: '#333333', text: xFmt(t) }, axes);
    }
    s('rect', { x: margin.left, y: margin.top, width: innerW, height: innerH, fill: 'none', stroke: '#767676' }, axes);
    s('text', { x: margin.left + innerW / 2, y: height - 8, 'text-anchor': 'middle', fill: '#111111', 'font-size': 13, text: opts.x?.label || '' }, axes);
    s('text', {
      x: 0, y: 0, transform: `translate(14,${margin.top + innerH / 2}) rotate(-90)`, 'text-anchor': 'middle',
      fill: '#111111', 'font-size': 13, text: opts.y?.label || '',
    }, axes);

    const plot = s('g', { 'clip-path': `url(#${clipId})` }, content);
    const overlay = s('g', {}, content);
    // The previous run first (under the current one), in its own colours but faded and thinner.
    if (ghost) {
      const faded = s('g', { class: 'ghost', opacity: 0.4 }, plot);
      const gCount = ghost.series.length;
      ghost.series.forEach((series, index) => {
        const style = styleOf.get(series.key) || {};
        const dodge = opts.dodge ? (index - (gCount - 1) / 2) * opts.dodge : 0;
        const px = (/** @type {number} */ v) => sx(v) + dodge;
        const color = style.color || '#000000';
        if (series.errLo && series.errHi) {
          for (let i = 0; i < series.x.length; i += 1) {
            if (!finite(series.errLo[i]) || !finite(series.errHi[i])) continue;
            const x = px(series.x[i]);
            s('path', { d: `M${x},${sy(series.errLo[i])}V${sy(series.errHi[i])}`, stroke: color, 'stroke-width': 1, fill: 'none' }, faded);
          }
        }
        if (style.line !== false) {
          s('path', {
            d: pathFor(series.x, series.y, px, sy, xLog, yLog), fill: 'none', stroke: color,
            'stroke-width': 1.5, 'stroke-dasharray': '2 3', 'stroke-linejoin': 'round',
          }, faded);
        }
        const n = Math.min(series.x.length, series.y.length);
        if (style.marker && n > 0 && n <= 24) {
          for (let i = 0; i < n; i += 1) {
            if (finite(series.x[i]) && finite(series.y[i]) && (!yLog || series.y[i] > 0)) drawMarker(faded, style.marker, px(series.x[i]), sy(series.y[i]), color, 3);
          }
        }
      });
      for (const line of ghost.hlines || []) {
        if (!finite(line.y)) continue;
        const style = styleOf.get(line.key) || {};
        s('line', { x1: margin.left, x2: margin.left + innerW, y1: sy(line.y), y2: sy(line.y), stroke: style.color || '#000000', 'stroke-width': 1.5, 'stroke-dasharray': '2 3' }, faded);
      }
    }
    const count = data.series.length;
    data.series.forEach((series, index) => {
      const style = styleOf.get(series.key) || {};
      const color = style.color || '#000000';
      const dodge = opts.dodge ? (index - (count - 1) / 2) * opts.dodge : 0;
      const px = (/** @type {number} */ v) => sx(v) + dodge;
      if (series.lo && series.hi) {
        s('path', { d: bandPath(series.x, series.lo, series.hi, px, sy), fill: color, 'fill-opacity': 0.16, stroke: 'none' }, plot);
      }
      if (series.errLo && series.errHi) {
        for (let i = 0; i < series.x.length; i += 1) {
          if (!finite(series.errLo[i]) || !finite(series.errHi[i])) continue;
          const x = px(series.x[i]);
          const y0 = sy(series.errLo[i]);
          const y1 = sy(series.errHi[i]);
          s('path', { d: `M${x},${y0}V${y1}M${x - 4},${y0}h8M${x - 4},${y1}h8`, stroke: color, 'stroke-width': 1.5, fill: 'none' }, plot);
        }
      }
      if (style.line !== false) {
        s('path', {
          d: pathFor(series.x, series.y, px, sy, xLog, yLog), fill: 'none', stroke: color,
          'stroke-width': style.width || 2, 'stroke-dasharray': style.dash || null, 'stroke-linejoin': 'round',
        }, plot);
      }
      const n = Math.min(series.x.length, series.y.length);
      if (style.marker && n > 0) {
        const every = n <= 24 ? 1 : Math.ceil(n / 8);
        const offset = Math.floor((every * index) / Math.max(count, 1));
        for (let i = offset % every; i < n; i += every) {
          if (finite(series.x[i]) && finite(series.y[i]) && (!yLog || series.y[i] > 0)) {
            drawMarker(plot, style.marker, px(series.x[i]), sy(series.y[i]), color, 4);
          }
        }
      }
      if (series.diverged) {
        const i = lastFinite(series.x, series.y);
        const x = i >= 0 ? px(series.x[i]) : margin.left + 8;
        const yTop = margin.top + 14 + index * 14;
        s('path', { d: `M${x},${margin.top}V${margin.top + innerH}`, stroke: color, 'stroke-dasharray': '2 2' }, overlay);
        s('text', {
          x: Math.min(x + 4, margin.left + innerW - 4), y: yTop, fill: color, 'font-weight': 700,
          'text-anchor': x + 80 > margin.left + innerW ? 'end' : 'start', text: `${style.label || series.key}: diverged`,
        }, overlay);
      }
    });
    (data.hlines || []).forEach((line, k) => {
      if (!finite(line.y)) return;
      const style = styleOf.get(line.key) || {};
      const y = sy(line.y);
      s('line', {
        x1: margin.left, x2: margin.left + innerW, y1: y, y2: y, stroke: style.color || '#000000',
        'stroke-width': 2, 'stroke-dasharray': style.dash || '5 3',
      }, plot);
      if (line.label) {
        // Alternate sides so that labels of nearby lines do not overlap; below the line near the top.
        const right = k % 2 === 0;
        s('text', {
          x: right ? margin.left + innerW - 4 : margin.left + 6, y: y - margin.top < 16 ? y + 15 : y - 5,
          'text-anchor': right ? 'end' : 'start', fill: style.color || '#000000', 'font-weight': 600, text: line.label,
        }, overlay);
      }
    });
    for (const mark of data.vmarks || []) {
      if (!finite(mark.x) || (xLog && mark.x <= 0)) continue;
      const x = sx(mark.x);
      s('line', { x1: x, x2: x, y1: margin.top, y2: margin.top + innerH, stroke: '#555555', 'stroke-width': 1.5, 'stroke-dasharray': '3 3' }, plot);
      s('text', {
        x: x - 4, y: margin.top + 14, 'text-anchor': 'end', fill: '#333333', 'font-weight': 600, text: mark.label || '',
      }, overlay);
    }
    if (hoverX !== null) drawHover();
    else clear(hover);
  }

  function allX() {
    const xs = new Set();
    for (const series of data.series) for (const x of series.x) if (finite(x)) xs.add(x);
    return [...xs].sort((a, b) => a - b);
  }

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    if (event.key === 'Escape') {
      hoverX = null;
      clear(hover);
      hideTooltip(frame);
      return;
    }
    if (!['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) return;
    event.preventDefault();
    const xs = allX();
    if (!xs.length) return;
    let i = hoverX === null ? 0 : nearestIndex(xs, hoverX);
    const jump = event.shiftKey ? Math.max(1, Math.round(xs.length / 10)) : 1;
    if (event.key === 'ArrowLeft') i = Math.max(0, i - jump);
    if (event.key === 'ArrowRight') i = hoverX === null ? 0 : Math.min(xs.length - 1, i + jump);
    if (event.key === 'Home') i = 0;
    if (event.key === 'End') i = xs.length - 1;
    hoverX = xs[i];
    drawHover(true);
  }

  // Draws the cursor and tooltip at hoverX; `speak` also puts the values into the live read-out
  // (keys and taps do; live data updates only move the cursor, so a screen reader is not flooded).
  function drawHover(speak = false) {
    clear(hover);
    if (!geometry || hoverX === null) return;
    const { sx, sy, innerH } = geometry;
    const lines = [];
    let xShown = null;
    let anchorY = margin.top + 20;
    for (const series of data.series) {
      const style = styleOf.get(series.key) || {};
      const i = nearestIndex(series.x, hoverX);
      if (i < 0) continue;
      xShown ??= series.x[i];
      const y = series.y[i];
      let text = `${style.label || series.key}: ${finite(y) ? yFormat(y) : series.diverged ? 'diverged' : '—'}`;
      // errLo comes with errHi, lo with hi
      if (series.errLo && finite(series.errLo[i])) text += ` (${yFormat(series.errLo[i])} to ${yFormat(/** @type {Numbers} */ (series.errHi)[i])})`;
      if (series.lo && finite(series.lo[i])) text += ` [${yFormat(series.lo[i])}, ${yFormat(/** @type {Numbers} */ (series.hi)[i])}]`;
      lines.push(text);
      if (finite(y) && finite(series.x[i])) {
        const cy = sy(y);
        if (cy >= margin.top && cy <= margin.top + innerH) {
          s('circle', { cx: sx(series.x[i]), cy, r: 5, fill: 'none', stroke: style.color || '#000000', 'stroke-width': 2 }, hover);
          anchorY = cy;
        }
      }
    }
    for (const line of data.hlines || []) {
      const style = styleOf.get(line.key) || {};
      if (finite(line.y)) lines.push(`${line.label || style.label || line.key}: ${yFormat(line.y)}`);
    }
    if (xShown === null) return;
    const x = sx(xShown);
    s('line', { x1: x, x2: x, y1: margin.top, y2: margin.top + innerH, stroke: '#444444', 'stroke-dasharray': '3 3' }, hover);
    const rect = svg.getBoundingClientRect();
    const scale = rect.width / geometry.width || 1;
    const all = [`${opts.x?.label || 'x'}: ${xFormat(xShown)}`, ...lines];
    showTooltip(frame, x * scale, anchorY * scale, all);
    if (speak) frame.readout(all.join('; '));
  }

  function exportData() {
    const rows = [];
    const hasBand = data.series.some((d) => d.lo);
    const hasErr = data.series.some((d) => d.errLo);
    const columns = ['series', opts.x?.label || 'x', opts.y?.label || 'y'];
    if (hasBand) columns.push('low', 'high');
    if (hasErr) columns.push('interval low', 'interval high');
    for (const series of data.series) {
      const label = styleOf.get(series.key)?.label || series.key;
      for (let i = 0; i < series.x.length; i += 1) {
        const row = [label, xName(series.x[i]), series.y[i]];
        if (hasBand) row.push(series.lo?.[i] ?? '', series.hi?.[i] ?? '');
        if (hasErr) row.push(series.errLo?.[i] ?? '', series.errHi?.[i] ?? '');
        rows.push(row);
      }
    }
    for (const line of data.hlines || []) {
      rows.push([line.label || styleOf.get(line.key)?.label || line.key, 'all', line.y]);
    }
    for (const series of ghost?.series || []) {
      const label = `${styleOf.get(series.key)?.label || series.key} (previous run, ${ghost?.label})`;
      for (let i = 0; i < series.x.length; i += 1) {
        const row = [label, xName(series.x[i]), series.y[i]];
        if (hasBand) row.push(series.lo?.[i] ?? '', series.hi?.[i] ?? '');
        if (hasErr) row.push(series.errLo?.[i] ?? '', series.errHi?.[i] ?? '');
        rows.push(row);
      }
    }
    for (const line of ghost?.hlines || []) {
      rows.push([`${line.label || styleOf.get(line.key)?.label || line.key} (previous run, ${ghost?.label})`, 'all', line.y]);
    }
    for (const mark of data.vmarks || []) rows.push([mark.label || 'mark', xName(mark.x), '']);
    return { columns, rows };
  }

  let resizeFrame = 0;
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      if (geometry && Math.abs(frame.width() - geometry.width) > 2) render();
    });
  }) : null;
  observer?.observe(frame.plot);

  render();
  frame.setExport(exportData);

  return {
    frame,
    update(next) {
      data = { series: next.series || [], hlines: next.hlines || [], vmarks: next.vmarks || [], yInclude: next.yInclude || null };
      updateLegend();
      render();
      frame.setSummary(next.summary || '');
      frame.setNote(next.note || '');
      frame.setExport(exportData);
    },
    // The data now drawn (copied arrays), to keep as a previous run: null when nothing is drawn.
    ghostData() {
      const drawn = data.series.filter((d) => d.x?.length);
      if (!drawn.length) return null;
      /** @param {Numbers | undefined} a */
      const copy = (a) => (a ? Array.from(a) : undefined);
      return {
        series: drawn.map((d) => ({ key: d.key, x: Array.from(d.x), y: /** @type {number[]} */ (copy(d.y)), lo: copy(d.lo), hi: copy(d.hi), errLo: copy(d.errLo), errHi: copy(d.errHi) })),
        hlines: (data.hlines || []).map((line) => ({ ...line })),
      };
    },
    setGhost(next) {
      ghost = next && next.series?.length ? next : null;
      updateLegend();
      render();
      frame.setExport(exportData);
    },
    get hasGhost() {
      return !!ghost;
    },
    destroy() {
      observer?.disconnect();
      frame.destroy();
    },
  };
}

/** @param {number[]} domain [lo, hi] @param {boolean} log @returns {number[]} */
function padLog([lo, hi], log) {
  if (log) return [lo / 1.25, hi * 1.25];
  const pad = (hi - lo) * 0.06 || 1;
  return [lo - pad, hi + pad];
}
