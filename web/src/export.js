// Export of a chart's data (CSV, JSON) and of the chart itself (SVG, PNG). The PNG is drawn by
// walking the SVG onto a canvas, so it needs no blob: or data: images (a strict CSP forbids them).
/** @typedef {import('./charts/chart-types').ExportTable} ExportTable */

/** @param {ExportTable} table */
export function toCsv({ columns, rows }) {
  /** @param {unknown} v */
  const cell = (v) => {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns, ...rows].map((/** @type {unknown[]} */ row) => row.map(cell).join(',')).join('\n') + '\n';
}

/** @param {ExportTable} table */
export function toJson({ columns, rows }) {
  /** @param {unknown} v */
  const safe = (v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
  return JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, safe(row[i])]))), null, 1);
}

/** @param {SVGSVGElement} svg */
export function serializeSvg(svg) {
  const copy = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.removeAttribute('tabindex');
  copy.removeAttribute('aria-describedby');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

// A sandboxed frame without allow-same-origin has origin "null"; whether it also lacks
// allow-downloads cannot be read, and a blocked download fails silently (a console line only).
// A frame whose page can see its <iframe> (same origin, e.g. sandbox="allow-scripts allow-same-origin")
// reads the sandbox tokens; an opaque origin (sandboxed without allow-same-origin) or a cross-origin
// parent cannot tell, so a download there may be refused silently.
export function downloadsMayBeBlocked() {
  try {
    if (window.parent === window) return false;
    const frame = /** @type {HTMLIFrameElement | null} */ (window.frameElement);
    if (frame && frame.hasAttribute('sandbox')) return !frame.sandbox.contains('allow-downloads');
    if (frame) return false;
    return true;
  } catch {
    return true;
  }
}

// Copies text: the Clipboard API where the frame may use it, else a selected textarea + execCommand.
/** @param {string} text @param {HTMLTextAreaElement | null} textarea @returns {Promise<boolean>} */
export async function copyText(text, textarea) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!textarea) return false;
    textarea.value = text;
    textarea.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

// Opens the data in a new tab (needs allow-popups in a sandboxed frame); false when refused.
/** @param {Blob} blob */
export function openInTab(blob) {
  const url = URL.createObjectURL(blob);
  const win = window.open(url, '_blank', 'noopener');
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return !!win;
}

/** @param {Blob} blob @param {string} filename */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}

/** @param {ExportTable} data @param {string} filename */
export const downloadCsv = (data, filename) => download(new Blob([toCsv(data)], { type: 'text/csv' }), filename);
/** @param {ExportTable} data @param {string} filename */
export const downloadJson = (data, filename) => download(new Blob([toJson(data)], { type: 'application/json' }), filename);
/** @param {SVGSVGElement} svg @param {string} filename */
export const downloadSvg = (svg, filename) => download(new Blob([serializeSvg(svg)], { type: 'image/svg+xml' }), filename);
/** @param {string} text @param {string} type a MIME type @param {string} filename */
export const downloadText = (text, type, filename) => download(new Blob([text], { type }), filename);

/** @param {SVGSVGElement} svg @param {string} filename @param {number} [scale] */
export function downloadPng(svg, filename, scale = 2) {
  const canvas = svgToCanvas(svg, scale);
  canvas.toBlob((blob) => blob && download(blob, filename), 'image/png');
}

// --- a small SVG painter for the elements the charts use ---
// Presentation attributes as the painter inherits them down the tree (name -> attribute text).
/** @typedef {Record<string, string>} Style */
/** @typedef {{ x: number, y: number, width: number, height: number }} ClipRect */

/** @param {CanvasRenderingContext2D} ctx @param {string | null} text */
function parseTransform(ctx, text) {
  if (!text) return;
  const re = /(translate|rotate|scale)\(([^)]*)\)/g;
  let m;
  while ((m = re.exec(text))) {
    const args = m[2].split(/[\s,]+/).filter(Boolean).map(Number);
    if (m[1] === 'translate') ctx.translate(args[0] || 0, args[1] || 0);
    else if (m[1] === 'scale') ctx.scale(args[0], args[1] ?? args[0]);
    else if (args.length === 3) {
      ctx.translate(args[1], args[2]);
      ctx.rotate((args[0] * Math.PI) / 180);
      ctx.translate(-args[1], -args[2]);
    } else ctx.rotate((args[0] * Math.PI) / 180);
  }
}

/** @param {Element} node @param {string} name @param {Style} inherited */
function attr(node, name, inherited) {
  return node.getAttribute(name) ?? inherited[name];
}

/** @param {CanvasRenderingContext2D} ctx @param {Node} child @param {Style} inherited @param {Map<string, ClipRect>} clips */
function paint(ctx, child, inherited, clips) {
  if (child.nodeType !== 1) return;
  const node = /** @type {Element} */ (child);  // nodeType 1: an element
  const tag = node.tagName.toLowerCase();
  if (tag === 'defs' || tag === 'clippath' || tag === 'title') return;
  /** @type {Style} */
  const style = { ...inherited };
  for (const name of ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'fill-opacity', 'stroke-opacity', 'font-size', 'font-family', 'font-weight', 'text-anchor', 'opacity']) {
    const v = node.getAttribute(name);
    if (v !== null) style[name] = v;
  }
  ctx.save();
  parseTransform(ctx, node.getAttribute('transform'));
  const clipRef = node.getAttribute('clip-path');
  if (clipRef) {
    const rect = clips.get(clipRef.replace(/^url\(#|\)$/g, ''));
    if (rect) {
      ctx.beginPath();
      ctx.rect(rect.x, rect.y, rect.width, rect.height);
      ctx.clip();
    }
  }
  /** @param {string} n */
  const num = (n) => Number(node.getAttribute(n) || 0);
  /** @type {Path2D | null} */
  let path = null;
  if (tag === 'path') path = new Path2D(node.getAttribute('d') || '');
  else if (tag === 'line') {
    path = new Path2D();
    path.moveTo(num('x1'), num('y1'));
    path.lineTo(num('x2'), num('y2'));
  } else if (tag === 'rect') {
    path = new Path2D();
    path.rect(num('x'), num('y'), num('width'), num('height'));
  } else if (tag === 'circle') {
    path = new Path2D();
    path.arc(num('cx'), num('cy'), num('r'), 0, 2 * Math.PI);
  } else if (tag === 'ellipse') {
    path = new Path2D();
    path.ellipse(num('cx'), num('cy'), num('rx'), num('ry'), 0, 0, 2 * Math.PI);
  }
  const alpha = Number(style.opacity ?? 1);
  if (path) {
    const fill = style.fill ?? '#000000';
    if (fill !== 'none') {
      ctx.globalAlpha = alpha * Number(style['fill-opacity'] ?? 1);
      ctx.fillStyle = fill;
      ctx.fill(path);
    }
    const stroke = style.stroke;
    if (stroke && stroke !== 'none') {
      ctx.globalAlpha = alpha * Number(style['stroke-opacity'] ?? 1);
      ctx.strokeStyle = stroke;
      ctx.lineWidth = Number(style['stroke-width'] ?? 1);
      const dash = style['stroke-dasharray'];
      ctx.setLineDash(dash ? dash.split(/[\s,]+/).map(Number) : []);
      ctx.stroke(path);
    }
  } else if (tag === 'text') {
    ctx.globalAlpha = alpha;
    ctx.fillStyle = style.fill && style.fill !== 'none' ? style.fill : '#000000';
    ctx.font = `${style['font-weight'] || 'normal'} ${style['font-size'] || 12}px ${style['font-family'] || 'sans-serif'}`;
    const anchor = style['text-anchor'];
    ctx.textAlign = anchor === 'middle' ? 'center' : anchor === 'end' ? 'right' : 'left';
    ctx.fillText(node.textContent ?? '', num('x'), num('y'));
  }
  if (tag === 'g' || tag === 'svg') {
    const inner = { ...style };
    delete inner.opacity;
    for (const grandchild of node.childNodes) paint(ctx, grandchild, inner, clips);
  }
  ctx.restore();
}

/** @param {SVGSVGElement} svg @param {number} [scale] */
export function svgToCanvas(svg, scale = 2) {
  const [, , width, height] = (svg.getAttribute('viewBox') || '0 0 300 150').split(/[\s,]+/).map(Number);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('PNG export: this browser gives no 2D canvas');
  ctx.scale(scale, scale);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  /** @type {Map<string, ClipRect>} */
  const clips = new Map();
  for (const clip of svg.querySelectorAll('clipPath')) {
    const rect = clip.querySelector('rect');
    if (rect) clips.set(clip.id, { x: Number(rect.getAttribute('x')), y: Number(rect.getAttribute('y')), width: Number(rect.getAttribute('width')), height: Number(rect.getAttribute('height')) });
  }
  for (const child of svg.childNodes) paint(ctx, child, {}, clips);
  return canvas;
}
