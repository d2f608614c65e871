// Small DOM helpers: no innerHTML with data, no inline styles.
const svgNs = 'http://www.w3.org/2000/svg';

/**
 * An event handler given as an `on...` attribute. Written as a method so a handler typed for a
 * narrower event (a KeyboardEvent for onkeydown) is accepted, as addEventListener accepts it.
 * @typedef {{ handle(event: Event): void }['handle']} Listener
 */
/**
 * Attributes by name: `text` sets the text content, `on...` with a function adds a listener;
 * undefined, null and false leave the attribute out, true sets it empty, anything else is its text.
 * @typedef {Record<string, string | number | boolean | null | undefined | Listener>} Attrs
 */
/** A child to append: a node, or text; null, undefined and false are skipped. @typedef {Node | string | null | undefined | false} Child */

/**
 * @param {string} tag @param {Attrs} [attrs] @param {Child | Child[]} [children]
 * @returns {any} the new element. Deliberately untyped for now, as h() was before the strict
 * checking: the page's ui/ code reads .value, .checked, .open on it. Its precise type,
 * `K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement` for a tag K,
 * lands with the typing of those callers (issue 18).
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/**
 * @template {string} K
 * @param {K} tag @param {Attrs} [attrs] @param {Element | null} [parent] appended to it when given
 * @returns {K extends keyof SVGElementTagNameMap ? SVGElementTagNameMap[K] : SVGElement}
 */
export function s(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(svgNs, tag);
  setAttrs(node, attrs);
  if (parent) parent.appendChild(node);
  // createElementNS with the SVG namespace makes the element of that tag; tsc types it Element.
  return /** @type {K extends keyof SVGElementTagNameMap ? SVGElementTagNameMap[K] : SVGElement} */ (/** @type {unknown} */ (node));
}

/** @param {Element} node @param {Attrs} attrs */
function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.setAttribute('class', String(value));
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
}

/** @template {Node} N @param {N} node @param {Child | Child[]} children @returns {N} */
export function append(node, children) {
  for (const child of /** @type {Child[]} */ ([]).concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** @template {Node} N @param {N} node @returns {N} */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

let idCounter = 0;
export const uid = (prefix = 'id') => `${prefix}-${++idCounter}`;
