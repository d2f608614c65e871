// Point markers: shape is a second encoding besides colour.
import { s } from '../dom.js';

/** @param {string} shape @param {number} x @param {number} y @param {number} [r] */
export function markerPath(shape, x, y, r = 4) {
  switch (shape) {
    case 'square': return `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}Z`;
    case 'triangle': return `M${x},${y - r * 1.2}L${x + r * 1.1},${y + r * 0.8}L${x - r * 1.1},${y + r * 0.8}Z`;
    case 'diamond': return `M${x},${y - r * 1.3}L${x + r * 1.1},${y}L${x},${y + r * 1.3}L${x - r * 1.1},${y}Z`;
    case 'cross': return `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`;
    default: return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0Z`;
  }
}

/**
 * @param {Element} parent @param {string} shape @param {number} x @param {number} y @param {string} color
 * @param {number} [r] @param {boolean} [filled]
 */
export function drawMarker(parent, shape, x, y, color, r = 4, filled = true) {
  const open = shape === 'cross';
  return s('path', {
    d: markerPath(shape, x, y, r),
    fill: open || !filled ? 'none' : color,
    stroke: open ? color : filled ? '#ffffff' : color,
    'stroke-width': open ? 2 : 1,
  }, parent);
}
