// The expected point, dragged, tapped or moved by keyboard onto a chart in the chapter's own terms
// (Kim, Reinecke & Hullman, CHI 2017: drawing a prediction onto the chart before the data appear).
// The chapter's own charts stay hidden until the reveal, so the question carries an empty chart
// with the same axes (chapter.predict.point): the student places one point at the question's x;
// after the run the measured point (and the run's curve, when the measurement carries one) is
// drawn beside it, and both stay.
//
// Pointer: a press anywhere on the plot puts the point at the pressed height and a drag moves it
// (pixels go through the chart's y scale back to the question's units, rounded to its step).
// Keyboard: the point is a focusable role="slider" (arrows by one key step, Page Up/Down by five,
// Home/End to the ends), with aria-valuenow/valuetext. The typed field of the question stays in
// sync both ways (onInput / set). A press beyond the chart's range stops the point at the edge and
// says so in one line (onProblem); nothing already placed is lost.
import { clear, h, s } from '../dom.js';
import { num } from '../format.js';
import { colors } from '../palette.js';
import { markerPath } from './marker.js';
import { createScale, tickLabel, ticks } from './scale.js';

/**
 * @typedef {{ x: number, y: number, label?: string }} GivenPoint
 * @typedef {{
 *   x: number, xLabel: string, yLabel: string, xDomain: [number, number], xLog?: boolean,
 *   xTicks?: number[], given?: GivenPoint[], reference?: { y: number, label: string },
 *   keyStep?: number, xText?: string
 * }} PointSpec
 * @typedef {{ min: number, max: number, unit?: string, step?: number }} PointRange
 * @typedef {{ value: number, text?: string, curve?: { x: number, y: number }[] }} PointMeasured
 * @typedef {{
 *   node: HTMLElement, handle: SVGGElement, svg: SVGSVGElement,
 *   set: (value: number | null) => void, readonly value: number | null,
 *   lock: () => void, showMeasured: (measured: PointMeasured | null) => void
 * }} PredictPoint
 */

const width = 480;
const height = 230;
const baseMargin = { top: 16, right: 20, bottom: 46, left: 58 };
// The labels ("you: …", "measured: …") sit right of the point: a point in the right part of the
// domain gets room for them outside the plot.
const labelRoom = 150;

/** The number of decimals of a step (0.01 → 2), so values print as the field shows them. */
const decimals = (/** @type {number} */ step) => Math.max(0, Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)));

/**
 * @param {{ id: string, question: string, range: PointRange, spec: PointSpec,
 *   onInput?: (value: number) => void, onProblem?: (text: string) => void, onCommit?: () => void }} options
 * @returns {PredictPoint}
 */
export function createPredictPoint({ id, question, range, spec, onInput = () => {}, onProblem = () => {}, onCommit = () => {} }) {
  const { min, max } = range;
  const unit = range.unit ? ` ${range.unit}` : '';
  const step = range.step && range.step > 0 ? range.step : (max - min) / 100;
  const keyStep = spec.keyStep && spec.keyStep > 0 ? spec.keyStep : step;
  const places = decimals(step);
  const round = (/** @type {number} */ v) => Number((Math.round(v / step) * step).toFixed(places));
  const clamp = (/** @type {number} */ v) => Math.min(max, Math.max(min, v));
  const xText = spec.xText || `${spec.xLabel} ${spec.x}`;

  const f = spec.xLog ? Math.log10 : (/** @type {number} */ v) => v;
  const share = (f(spec.x) - f(spec.xDomain[0])) / (f(spec.xDomain[1]) - f(spec.xDomain[0]));
  const margin = { ...baseMargin, right: share > 0.6 ? labelRoom : baseMargin.right };
  const sx = createScale(spec.xDomain, [margin.left, width - margin.right], { log: !!spec.xLog });
  const sy = createScale([min, max], [height - margin.bottom, margin.top]);
  const px = sx(spec.x);

  const titleId = `predict-point-title-${id}`;
  const svg = /** @type {SVGSVGElement} */ (s('svg', {
    class: 'predict-point-svg', viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-labelledby': titleId,
  }));
  s('title', { id: titleId, text: `Place your prediction: ${spec.yLabel} at ${xText}` }, svg);
  const axes = s('g', { class: 'axes', 'aria-hidden': 'true' }, svg);
  const drawn = s('g', { class: 'measured', 'aria-hidden': 'true' }, svg);
  // The column the point lives in: a wide, light band, the whole height (a press there or anywhere
  // on the plot sets the point).
  const hit = s('rect', {
    class: 'predict-point-hit', x: margin.left, y: margin.top, width: width - margin.left - margin.right,
    height: height - margin.top - margin.bottom, fill: 'transparent',
  }, svg);
  s('line', { x1: px, x2: px, y1: margin.top, y2: height - margin.bottom, stroke: colors.blue, 'stroke-width': 1, 'stroke-dasharray': '3 4', 'aria-hidden': 'true' }, svg);

  // Axes: ticks and labels through the same scale module as the chapter's charts.
  const yTicks = ticks(sy, 10);
  for (const t of yTicks) {
    const y = sy(t);
    s('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, stroke: '#e3e3e3' }, axes);
    s('text', { x: margin.left - 6, y: y + 4, 'text-anchor': 'end', class: 'tick', text: tickLabel(t) }, axes);
  }
  for (const t of ticks(sx, 5, spec.xTicks || null)) {
    const x = sx(t);
    s('line', { x1: x, x2: x, y1: height - margin.bottom, y2: height - margin.bottom + 4, stroke: '#555' }, axes);
    s('text', { x, y: height - margin.bottom + 16, 'text-anchor': 'middle', class: 'tick', text: tickLabel(t) }, axes);
  }
  s('line', { x1: margin.left, x2: width - margin.right, y1: height - margin.bottom, y2: height - margin.bottom, stroke: '#555' }, axes);
  s('line', { x1: margin.left, x2: margin.left, y1: margin.top, y2: height - margin.bottom, stroke: '#555' }, axes);
  s('text', { x: (margin.left + width - margin.right) / 2, y: height - 8, 'text-anchor': 'middle', class: 'axis-label', text: spec.xLabel }, axes);
  s('text', { x: 15, y: (margin.top + height - margin.bottom) / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 15 ${(margin.top + height - margin.bottom) / 2})`, text: spec.yLabel }, axes);
  if (spec.reference) {
    const y = sy(spec.reference.y);
    s('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, stroke: '#555', 'stroke-dasharray': '6 4' }, axes);
    s('text', { x: width - margin.right - 4, y: y - 5, 'text-anchor': 'end', class: 'tick', text: spec.reference.label }, axes);
  }
  for (const g of spec.given || []) {
    s('path', { d: markerPath('square', sx(g.x), sy(g.y), 5), fill: colors.black }, axes);
    if (g.label) s('text', { x: sx(g.x) + 9, y: sy(g.y) - 8, class: 'tick', text: g.label }, axes);
  }

  // The student's point: a slider the keyboard reaches, drawn as a ring with a big touch target.
  const handle = /** @type {SVGGElement} */ (s('g', {
    class: 'predict-point-handle', tabindex: 0, role: 'slider', 'aria-label': `Your prediction: ${spec.yLabel} at ${xText}`,
    'aria-valuemin': min, 'aria-valuemax': max, 'aria-orientation': 'vertical', 'data-predict-point': id,
  }, svg));
  s('circle', { r: 22, fill: 'transparent', class: 'predict-point-target' }, handle);
  const ring = s('circle', { r: 8, fill: '#ffffff', stroke: colors.blue, 'stroke-width': 3 }, handle);
  const focusRing = s('circle', { r: 13, fill: 'none', stroke: colors.black, 'stroke-width': 2, class: 'predict-point-focus' }, handle);
  const label = s('text', { x: px + 14, class: 'predict-point-label', 'aria-hidden': 'true' }, svg);

  const hint = h('p', { class: 'hint predict-point-hint', id: `predict-point-hint-${id}`, text: `Drag or tap the point on the chart, or use the arrow keys on it (Page Up/Down: larger steps), or type the number below.` });
  handle.setAttribute('aria-describedby', hint.id);
  const node = h('div', { class: 'predict-point', 'data-predict-chart': id }, [svg, hint]);

  /** @type {number | null} */
  let value = null;
  let locked = false;

  function draw() {
    const shown = value === null ? (min + max) / 2 : value;
    const y = sy(shown);
    handle.setAttribute('transform', `translate(${px},${y})`);
    if (!locked) {  // once locked the handle is an image of the answer: no slider attributes
      handle.setAttribute('aria-valuenow', String(shown));
      handle.setAttribute('aria-valuetext', value === null ? `not placed yet (${question})` : `${num(value, 3)}${unit} at ${xText}`);
    }
    handle.dataset.placed = value === null ? 'no' : 'yes';
    ring.setAttribute('stroke-dasharray', value === null ? '4 3' : '');
    label.setAttribute('y', String(y + 4));
    label.textContent = value === null ? 'drag me' : `you: ${num(value, 3)}${unit}`;
    focusRing.setAttribute('visibility', 'hidden');
    if (document.activeElement === /** @type {Element} */ (handle)) focusRing.setAttribute('visibility', 'visible');
  }

  /** A value from the pointer or the keyboard: the field hears it; beyond the range, one line. @param {number} raw */
  function place(raw) {
    if (locked || !Number.isFinite(raw)) return;
    if (raw < min - step / 2 || raw > max + step / 2) onProblem(`Your prediction must be between ${min} and ${max}${unit}: the point stops at the chart's edge (${num(clamp(raw) , 3)}${unit}).`);
    value = round(clamp(raw));
    draw();
    onInput(value);
  }

  // Pixels → the question's units, through the chart's own y scale (viewBox units via the CTM).
  /** @param {PointerEvent} event */
  const valueAt = (event) => {
    const ctm = svg.getScreenCTM();
    if (!ctm) return NaN;
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
    return sy.invert(p.y);
  };
  let dragging = false;
  /** @param {PointerEvent} event */
  const down = (event) => {
    if (locked || event.button > 0) return;
    event.preventDefault();
    dragging = true;
    try {
      svg.setPointerCapture(event.pointerId);
    } catch {
      // a synthetic pointer may not be capturable; moves over the chart still arrive
    }
    handle.focus({ preventScroll: true });
    place(valueAt(event));
  };
  svg.addEventListener('pointerdown', down);
  svg.addEventListener('pointermove', (event) => {
    if (dragging) place(valueAt(event));
  });
  const up = () => {
    dragging = false;
  };
  svg.addEventListener('pointerup', up);
  svg.addEventListener('pointercancel', up);
  svg.addEventListener('lostpointercapture', up);

  handle.addEventListener('keydown', (event) => {
    if (locked) return;
    const start = value === null ? (min + max) / 2 : value;
    /** @type {Record<string, number>} */
    const moves = { ArrowUp: keyStep, ArrowRight: keyStep, ArrowDown: -keyStep, ArrowLeft: -keyStep, PageUp: 5 * keyStep, PageDown: -5 * keyStep };
    if (event.key in moves) place(start + moves[event.key]);
    else if (event.key === 'Home') place(min);
    else if (event.key === 'End') place(max);
    else if (event.key === 'Enter') onCommit();
    else return;
    event.preventDefault();
  });
  handle.addEventListener('focus', () => focusRing.setAttribute('visibility', 'visible'));
  handle.addEventListener('blur', () => focusRing.setAttribute('visibility', 'hidden'));

  draw();
  return {
    node,
    handle,
    svg,
    get value() {
      return value;
    },
    // The typed field changed: the point follows (null: the field holds no valid number).
    set(next) {
      if (locked) return;
      value = next === null || !Number.isFinite(next) ? null : clamp(next);
      draw();
    },
    // Committed: the point stays where it is and no longer moves (an image of the answer).
    lock() {
      locked = true;
      handle.removeAttribute('tabindex');
      handle.setAttribute('role', 'img');
      handle.removeAttribute('aria-valuenow');
      handle.removeAttribute('aria-valuetext');
      handle.removeAttribute('aria-valuemin');
      handle.removeAttribute('aria-valuemax');
      handle.removeAttribute('aria-orientation');
      handle.removeAttribute('aria-describedby');
      handle.setAttribute('aria-label', `Your prediction: ${value === null ? 'none' : `${num(value, 3)}${unit}`} at ${xText}`);
      hit.remove();
      hint.hidden = true;
      node.dataset.locked = 'true';
      draw();
    },
    // The run's measurement beside the student's point (its curve first, under both points).
    showMeasured(measured) {
      clear(drawn);
      node.dataset.measured = measured ? 'yes' : 'no';
      if (!measured || !Number.isFinite(measured.value)) return;
      const curve = (measured.curve || []).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.y >= min && p.y <= max
        && p.x >= Math.min(...spec.xDomain) && p.x <= Math.max(...spec.xDomain));
      if (curve.length > 1) {
        const d = curve.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
        s('path', { d, fill: 'none', stroke: colors.vermillion, 'stroke-width': 2 }, drawn);
      }
      for (const p of curve) s('path', { d: markerPath('diamond', sx(p.x), sy(p.y), 3.5), fill: colors.vermillion, stroke: '#ffffff', 'stroke-width': 1 }, drawn);
      const y = sy(clamp(measured.value));
      s('path', { d: markerPath('diamond', px, y, 7), fill: colors.vermillion, stroke: '#ffffff', 'stroke-width': 1.5, class: 'predict-point-measured' }, drawn);
      // Beside the student's label, never on it: moved 16 units away when the two are close.
      const mine = value === null ? Infinity : sy(value);
      const ly = Math.abs(y - mine) < 16 ? (y >= mine ? mine + 16 : mine - 16) : y;
      s('text', { x: px + 14, y: ly + 4, class: 'predict-point-label measured', text: `measured: ${num(measured.value, 3)}${unit}` }, drawn);
      svg.querySelector('title')?.replaceChildren(`Your prediction ${value === null ? '(none)' : `${num(value, 3)}${unit}`} and this run's measurement ${num(measured.value, 3)}${unit}: ${spec.yLabel} at ${xText}`);
    },
  };
}
