// A chapter's takeaway on the page: the headline (one plain sentence from the run), a collapsed
// "Details of this run", a visible callout where the measurement disagrees with the lecture or a
// paper, and after a change of settings the previous run's headline for comparison.
//
// A chapter's render(result, charts, context) (and live.render) returns the takeaway: a string, or
//   { headline: 'one plain sentence', details?: ['…', …], callout?: { title, text } }
// shown as the headline ([data-takeaway=ID]), the details ([data-takeaway-details=ID]) and the box
// ([data-callout=ID]); the live view's carry data-live-* names instead.
import { append, clear, h } from '../dom.js';
import { plainText, richText } from './rich-text.js';

/** @typedef {{ headline: string, details: string[], callout: { title: string, text: string } | null }} TakeawayParts */

/**
 * A takeaway as returned by render: a string or {headline, details, callout} -> the object (null
 * when it is neither).
 * @param {any} value
 * @returns {TakeawayParts | null}
 */
export function takeawayParts(value) {
  if (typeof value === 'string') return { headline: value, details: [], callout: null };
  if (!value || typeof value !== 'object' || typeof value.headline !== 'string') return null;
  const details = Array.isArray(value.details) ? value.details.filter((/** @type {unknown} */ d) => typeof d === 'string' && d) : [];
  const callout = value.callout && typeof value.callout.text === 'string' ? { title: String(value.callout.title || 'Note'), text: value.callout.text } : null;
  return { headline: value.headline, details, callout };
}

/**
 * The takeaway's place on the page.
 * @param {string} id  the chapter's id
 * @param {string} initial  the message shown before any run
 * @param {{ className?: string, live?: boolean }} [options]
 */
export function takeawayView(id, initial, { className = 'takeaway', live = false } = {}) {
  const attr = live ? 'data-live-takeaway' : 'data-takeaway';
  const headline = h('p', { class: className, [attr]: id, ...(live ? { 'aria-live': 'polite' } : {}) });
  // A term's definition opens below the headline, so [data-takeaway] holds the headline text only.
  const defs = h('div', { class: 'term-defs' });
  const previous = h('p', { class: 'takeaway-previous', hidden: true, [live ? 'data-live-previous' : 'data-takeaway-previous']: id });
  const list = h('ul', {});
  const details = /** @type {HTMLDetailsElement} */ (h('details', { class: 'takeaway-details', [live ? 'data-live-details' : 'data-takeaway-details']: id, hidden: true }, [
    h('summary', { text: 'Details of this run' }), list,
  ]));
  const calloutTitle = h('h3', { class: 'callout-title' });
  const calloutText = h('p', {});
  const callout = h('aside', { class: 'callout', [live ? 'data-live-callout' : 'data-callout']: id, hidden: true, 'aria-label': 'Where the measurement disagrees' }, [calloutTitle, calloutText]);
  const box = h('div', { class: 'takeaway-box' }, [headline, defs, previous, details, callout]);
  /** @type {TakeawayParts | null} */
  let parts = null;
  /** @param {string} text */
  function fillHeadline(text) {
    const inline = richText(text);
    clear(defs);
    // definitions move out of the headline, their buttons stay in it
    const nodes = inline.map((/** @type {string | Element} */ node) => {
      if (typeof node === 'string' || !node.classList?.contains('term-wrap')) return node;
      const def = node.querySelector('.term-def');
      if (def) defs.appendChild(def);
      return node;
    });
    clear(headline);
    append(headline, nodes);
  }
  fillHeadline(initial);
  return {
    box,
    headline,
    get parts() {
      return parts;
    },
    /** Shows a render's return value; false when it was empty (nothing changes then). @param {any} value */
    show(value) {
      const next = takeawayParts(value);
      if (!next || !next.headline) return false;
      parts = next;
      fillHeadline(next.headline);
      const open = details.open;
      clear(list);
      append(list, next.details.map((d) => h('li', {}, richText(d))));
      details.hidden = !next.details.length;
      details.open = open && !details.hidden;
      callout.hidden = !next.callout;
      calloutTitle.textContent = next.callout ? plainText(next.callout.title) : '';
      clear(calloutText);
      if (next.callout) append(calloutText, richText(next.callout.text));
      return true;
    },
    /** A plain message in place of a takeaway (e.g. "Press Run"): no details, no callout. @param {string} text */
    message(text) {
      parts = null;
      fillHeadline(text);
      details.hidden = true;
      callout.hidden = true;
    },
    /** @param {string} text */
    setPrevious(text) {
      previous.hidden = !text;
      clear(previous);
      if (text) append(previous, richText(text));
    },
    /** The headline as a reader hears it (markers replaced by their words). @returns {string} */
    text() {
      return parts ? plainText(parts.headline) : headline.textContent || '';
    },
  };
}

/** @typedef {ReturnType<typeof takeawayView>} TakeawayView */
