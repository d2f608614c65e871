// The frame every chart lives in: title, legend, the SVG, a tooltip, a text summary, a data table
// alternative and export buttons (CSV, JSON, SVG, PNG).
import { append, clear, h, s, uid } from '../dom.js';
import { copyText, downloadPng, downloadsMayBeBlocked, downloadText, openInTab, serializeSvg, toCsv, toJson } from '../export.js';
import { markerPath } from './marker.js';
import { plainText, richText } from '../ui/rich-text.js';

const maxTableRows = 60;

/** @typedef {import('./chart-types').LegendItem} LegendItem */
/** @typedef {import('./chart-types').ExportTable} ExportTable */
/** @typedef {import('./chart-types').Frame} Frame */

/** @param {LegendItem} item */
export function legendItem({ label, color, dash = '', marker = null, band = false }) {
  const swatch = s('svg', { width: 34, height: 14, viewBox: '0 0 34 14', 'aria-hidden': 'true', focusable: 'false' });
  if (band) s('rect', { x: 1, y: 2, width: 32, height: 10, fill: color, 'fill-opacity': 0.25 }, swatch);
  s('line', { x1: 1, y1: 7, x2: 33, y2: 7, stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': dash || null }, swatch);
  if (marker) {
    s('path', {
      d: markerPath(marker, 17, 7, 4), fill: marker === 'cross' ? 'none' : color,
      stroke: marker === 'cross' ? color : '#ffffff', 'stroke-width': marker === 'cross' ? 2 : 1,
    }, swatch);
  }
  return h('li', {}, [swatch, h('span', { text: label })]);
}

/** @param {Element} el @param {import('./chart-types').FrameOptions} options @returns {Frame} */
export function createFrame(el, { title, name, description = '' }) {
  const id = uid('chart');
  const legend = h('ul', { class: 'legend', 'aria-label': `Legend: ${title}` });
  const plot = h('div', { class: 'plot' });
  const tooltip = h('div', { class: 'tooltip', role: 'presentation', hidden: true });
  const summary = h('p', { class: 'chart-summary', id: `${id}-summary` });
  // What the keyboard cursor or a tap reads, in words: a polite live region, and the chart's
  // description, so screen readers hear it as it changes and on returning to the chart.
  const readout = h('p', { class: 'chart-readout', id: `${id}-readout`, 'aria-live': 'polite', 'aria-atomic': 'true' });
  // A focusable, labelled scroll region (axe: scrollable-region-focusable).
  const tableBody = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': `Data table: ${title}` });
  const table = /** @type {HTMLDetailsElement} */ (h('details', { class: 'data-table' }, [h('summary', { text: 'Data table' }), tableBody]));
  const note = h('p', { class: 'chart-note', hidden: true });
  /** @type {() => ExportTable} */
  let getExport = () => ({ columns: [], rows: [] });
  /** @type {SVGSVGElement | null} */
  let svg = null;

  /** @param {string} label @param {() => void} onclick @param {string} hint */
  const button = (label, onclick, hint) => h('button', { type: 'button', class: 'small', onclick, title: hint, 'aria-label': `${hint}: ${title}` }, [label]);
  const fileBase = () => `bnlab-${name}`;
  // Where downloads may be blocked (a sandboxed frame without allow-downloads), each export also
  // says so and offers the text to copy or to open in a new tab.
  const fallbackText = h('p', { class: 'export-fallback-text' });
  const fallbackArea = /** @type {HTMLTextAreaElement} */ (h('textarea', { readonly: true, rows: 4, class: 'export-fallback-area', 'aria-label': `Exported data: ${title}` }));
  const copyButton = h('button', { type: 'button', class: 'small', text: 'Copy to clipboard' });
  const tabButton = h('button', { type: 'button', class: 'small', text: 'Open in a new tab' });
  const fallbackStatus = h('span', { class: 'export-fallback-status', role: 'status' });
  const fallback = h('div', { class: 'export-fallback', hidden: true }, [fallbackText, fallbackArea, h('div', { class: 'export' }, [copyButton, tabButton, fallbackStatus])]);
  /** @type {Blob | null} */
  let fallbackBlob = null;
  copyButton.addEventListener('click', async () => {
    fallbackStatus.textContent = (await copyText(fallbackArea.value, fallbackArea)) ? 'Copied.' : 'Copying was refused here: select the text above and copy it.';
  });
  tabButton.addEventListener('click', () => {
    fallbackStatus.textContent = fallbackBlob && openInTab(fallbackBlob) ? 'Opened in a new tab.' : 'This frame may not open tabs either: copy the text above.';
  });
  /** @param {string} text @param {string} type MIME type @param {string} ext */
  const exportText = (text, type, ext) => {
    const blob = downloadText(text, type, `${fileBase()}.${ext}`);
    if (!downloadsMayBeBlocked()) return;
    fallbackBlob = blob;
    fallbackText.textContent = `This lab is in a sandboxed frame: if no ${ext.toUpperCase()} file was saved, the page around it does not allow downloads (the frame needs sandbox="allow-downloads"). The data is here to copy:`;
    fallbackArea.value = text;
    fallbackStatus.textContent = '';
    fallback.hidden = false;
  };
  const exportPng = () => {
    if (!svg) return;
    downloadPng(svg, `${fileBase()}.png`);
    if (!downloadsMayBeBlocked()) return;
    fallbackBlob = null;
    fallbackText.textContent = 'This lab is in a sandboxed frame: if no PNG file was saved, the page around it does not allow downloads (the frame needs sandbox="allow-downloads"). The chart as SVG text, to copy:';
    fallbackArea.value = serializeSvg(svg);
    fallback.hidden = false;
  };
  const exports = h('div', { class: 'export', role: 'group', 'aria-label': `Export ${title}` }, [
    h('span', { class: 'export-label', text: 'Export' }),
    button('CSV', () => exportText(toCsv(getExport()), 'text/csv', 'csv'), 'Download the data as CSV'),
    button('JSON', () => exportText(toJson(getExport()), 'application/json', 'json'), 'Download the data as JSON'),
    button('SVG', () => svg && exportText(serializeSvg(svg), 'image/svg+xml', 'svg'), 'Download the chart as SVG'),
    button('PNG', exportPng, 'Download the chart as PNG'),
  ]);

  const figure = h('figure', { class: 'chart', id, 'data-chart': name }, [
    h('figcaption', {}, [h('span', { class: 'chart-title', text: title }), description ? h('span', { class: 'chart-desc' }, richText(description)) : null]),
    legend, plot, readout, note, summary, table, exports, fallback,
  ]);
  plot.appendChild(tooltip);
  el.appendChild(figure);

  let tableDirty = true;
  const renderTable = () => {
    if (!table.open || !tableDirty) return;
    tableDirty = false;
    const { columns, rows } = getExport();
    clear(tableBody);
    if (!rows.length) {
      tableBody.appendChild(h('p', { text: 'No data yet: press Run.' }));
      return;
    }
    const every = Math.ceil(rows.length / maxTableRows);
    const shown = rows.filter((_, i) => i % every === 0 || i === rows.length - 1);
    const t = h('table', {}, [
      h('caption', { text: every > 1 ? `${title}: every ${every}th of ${rows.length} rows (export CSV for all)` : title }),
      h('thead', {}, [h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c })))]),
      h('tbody', {}, shown.map((row) => h('tr', {}, row.map((v) => h('td', { text: formatCell(v) }))))),
    ]);
    tableBody.appendChild(t);
  };
  table.addEventListener('toggle', renderTable);

  return {
    figure,
    plot,
    tooltip,
    // Called once per chart: the SVG element stays, its contents are redrawn in place, so focus,
    // hover and the read-out survive live updates.
    setSvg(node) {
      if (svg && svg.parentNode) svg.parentNode.removeChild(svg);
      svg = node;
      svg.setAttribute('aria-describedby', `${id}-readout ${id}-summary`);
      plot.insertBefore(svg, tooltip);
    },
    readout(text) {
      if (readout.textContent !== text) readout.textContent = text || '';
    },
    setLegend(items) {
      clear(legend);
      append(legend, items.map(legendItem));
    },
    setSummary(text) {
      summary.textContent = plainText(text || '');
    },
    setNote(text) {
      note.hidden = !text;
      note.textContent = text || '';
    },
    setExport(fn) {
      getExport = fn;
      tableDirty = true;
      renderTable();
    },
    width() {
      return Math.max(plot.clientWidth || 0, 260);
    },
    destroy() {
      figure.remove();
    },
  };
}

/** @param {unknown} v */
function formatCell(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(5))) : v > 0 ? '∞' : Number.isNaN(v) ? 'NaN' : '−∞';
  return v === null || v === undefined ? '' : String(v);
}

// Shows the tooltip at (x, y) inside the plot with one line per entry.
/** @param {Frame} frame @param {number} x @param {number} y @param {string[]} lines */
export function showTooltip(frame, x, y, lines) {
  const { tooltip, plot } = frame;
  clear(tooltip);
  append(tooltip, lines.map((line) => h('div', {}, [line])));
  tooltip.hidden = false;
  const width = plot.clientWidth;
  const tipWidth = tooltip.offsetWidth;
  const left = x + 14 + tipWidth > width ? Math.max(0, x - 14 - tipWidth) : x + 14;
  tooltip.style.left = `${left}px`;
  tooltip.style.top = `${Math.max(0, y - 10)}px`;
}

/** @param {Frame} frame */
export function hideTooltip(frame) {
  frame.tooltip.hidden = true;
}
