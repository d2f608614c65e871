// imageGrid(el, opts) -> {update, destroy}: small grey-scale images (bytes, 0 = white paper,
// 255 = black ink) drawn as SVG rects, each with caption lines (true class, each net's answer).
// The pixels are drawn once per image set; later updates only rewrite the captions. SVG, not a
// canvas, so the frame's SVG/PNG export works and nothing needs an inline style or a data: URL.
import { s } from '../dom.js';
import { createFrame } from './frame.js';

const scale = 3;
const gap = 10;
const lineHeight = 15;

// base64 -> Uint8Array (the result carries each image as base64 of its bytes).
/** @param {unknown} text base64, or the bytes already @returns {Uint8Array} */
export function decodePixels(text) {
  if (text instanceof Uint8Array) return text;
  const bin = atob(String(text || ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

/** @param {Element} el @param {import('./chart-types').FrameOptions} opts @returns {import('./chart-types').ImageGrid} */
export function imageGrid(el, opts) {
  const frame = createFrame(el, opts);
  let key = '';
  /** @type {Element[][]} each image's caption lines */
  let captions = [];
  /** @type {SVGSVGElement | null} */
  let svg = null;
  /** @type {{ images: import('./chart-types').GridImage[], rows: number, cols: number, lines: number, perRow: number } | null} */
  let shown = null;  // what the grid was last built from

  // Images per row for the plot's width now (a grid built while its chapter is hidden, e.g. before
  // the student's prediction, has the minimum width: it is rebuilt when the plot is shown).
  const perRowFor = (/** @type {number} */ cols) => Math.max(1, Math.floor((frame.width() + gap) / (Math.max(cols * scale + 40, 150) + gap)));

  /** @param {import('./chart-types').GridImage[]} images @param {number} rows @param {number} cols @param {number} lines */
  function build(images, rows, cols, lines) {
    const cellW = cols * scale;
    const cellH = rows * scale + lines * lineHeight + 6;
    const colW = Math.max(cellW + 40, 150);  // room for the widest caption ("no BN: ✗ Ankle boot 12%"); as in perRowFor
    const perRow = perRowFor(cols);
    shown = { images, rows, cols, lines, perRow };
    const gridRows = Math.ceil(images.length / perRow);
    const width = perRow * (colW + gap);
    const height = gridRows * (cellH + gap);
    const grid = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': opts.title, class: 'chart-svg image-grid' });
    svg = grid;
    captions = images.map((img, i) => {
      const x0 = (i % perRow) * (colW + gap) + (colW - cellW) / 2;
      const y0 = Math.floor(i / perRow) * (cellH + gap);
      const g = s('g', { transform: `translate(${x0},${y0})` }, grid);
      s('rect', { x: 0, y: 0, width: cellW, height: rows * scale, fill: '#ffffff', stroke: '#767676', 'stroke-width': 1 }, g);
      const px = decodePixels(img.pixels);
      for (let r = 0; r < rows; r += 1) {
        for (let c = 0; c < cols; c += 1) {
          const v = px[r * cols + c] || 0;
          if (v < 8) continue;
          const grey = 255 - v;
          s('rect', { x: c * scale, y: r * scale, width: scale, height: scale, fill: `rgb(${grey},${grey},${grey})` }, g);
        }
      }
      return Array.from({ length: lines }, (_, k) => s('text', {
        x: cellW / 2, y: rows * scale + 13 + k * lineHeight, 'text-anchor': 'middle', 'font-size': 11.5, fill: '#111111',
      }, g));
    });
    frame.setSvg(grid);
  }

  /** @param {import('./chart-types').GridImage[]} images */
  function writeCaptions(images) {
    images.forEach((img, i) => img.lines.forEach((line, k) => {
      const node = captions[i]?.[k];
      if (!node) return;
      node.textContent = line.text;
      node.setAttribute('fill', line.color || '#111111');
    }));
  }

  let resizeFrame = 0;
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => {
    cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      if (!shown || perRowFor(shown.cols) === shown.perRow) return;
      build(shown.images, shown.rows, shown.cols, shown.lines);
      writeCaptions(shown.images);
    });
  }) : null;
  observer?.observe(frame.plot);

  return {
    // data: {images: [{pixels, label: text, lines: [{text, color}]}], rows, cols, summary, exportRows}
    update(data) {
      const images = data?.images || [];
      const rows = data?.rows || 28;
      const cols = data?.cols || 28;
      const lines = Math.max(0, ...images.map((img) => img.lines.length));
      const nextKey = `${rows}x${cols}:${lines}:${images.map((img) => String(img.pixels).slice(0, 64) + img.id).join('|')}`;
      if (nextKey !== key) {
        key = nextKey;
        build(images, rows, cols, lines);
      }
      writeCaptions(images);
      frame.setSummary(data?.summary || '');
      frame.setExport(() => ({ columns: data?.columns || [], rows: data?.exportRows || [] }));
    },
    destroy() {
      observer?.disconnect();
      frame.destroy();
    },
  };
}
