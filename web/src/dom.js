// Small DOM helpers: no innerHTML with data, no inline styles.
const svgNs = 'http://www.w3.org/2000/svg';

// An attribute's value: text or a number (written as text), true (present, empty), false / null /
// undefined (left out), or for an `on...` key a listener. `text` sets the node's text instead.
/** @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} AttrValue */
/** @typedef {Record<string, AttrValue>} Attrs */
// A child: a node, a string (a text node), or nothing (null / undefined / false are skipped).
/** @typedef {Node | string | null | undefined | false} Child */
/** @typedef {Child | Child[]} Children */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {Children} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag @param {Attrs} [attrs] @param {Node | null} [parent] appended to it when given
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(svgNs, tag);
  setAttrs(node, attrs);
  if (parent) parent.appendChild(node);
  return node;
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

/** @template {Node} N @param {N} node @param {Children} children @returns {N} */
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
