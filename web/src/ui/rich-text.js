// Chapter text with defined terms: "[[kurtosis]]" or "[[loss-gap|gap]]" becomes the words plus a
// button (aria-expanded) that opens the definition in place, with a link to the Glossary section.
// Nothing appears on hover only: a click, Enter or Space opens and closes it, Escape closes it.
import { h, uid } from '../dom.js';
import { glossary, plainText, splitTerms } from '../glossary.js';

export { plainText };

const warned = new Set();

/** @param {string} id */
export const glossaryAnchor = (id) => `glossary-${id}`;

/** @param {import("../glossary.js").TermPiece} piece @returns {HTMLElement | string} */
function term({ id, words, entry }) {
  if (!entry) {
    if (!warned.has(id)) {
      warned.add(id);
      console.warn(`glossary: no entry "${id}" (web/src/glossary.js); the words are shown without a definition`);
    }
    return words;
  }
  const defId = uid('term');
  const button = h('button', { type: 'button', class: 'term', 'aria-expanded': 'false', 'aria-controls': defId, 'data-term': id, text: words });
  const definition = h('span', { class: 'term-def', id: defId, hidden: true, 'data-term-def': id }, [
    h('span', { class: 'sr-only', text: `${entry.term}: ` }),
    entry.definition,
    ' ',
    h('a', { href: `#${glossaryAnchor(id)}`, class: 'term-link', 'data-glossary-link': id, text: 'Glossary' }),
  ]);
  /** @param {boolean} open */
  const toggle = (open) => {
    button.setAttribute('aria-expanded', String(open));
    definition.hidden = !open;
  };
  button.addEventListener('click', () => toggle(button.getAttribute('aria-expanded') !== 'true'));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      event.stopPropagation();
      toggle(false);
    }
  });
  definition.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      toggle(false);
      button.focus();
    }
  });
  return h('span', { class: 'term-wrap' }, [button, definition]);
}

// The nodes of a text (strings and term elements), to append to a <p>, <li> or <span>.
/** @param {unknown} text @returns {Array<HTMLElement | string>} */
export function richText(text) {
  if (text === null || text === undefined) return [];
  return splitTerms(String(text)).map((piece) => (typeof piece === 'string' ? piece : term(piece)));
}

// The page's Glossary section: every entry, in the order of glossary.js, each with an anchor.
export function glossarySection() {
  const entries = Object.entries(glossary);
  return h('section', { class: 'glossary', id: 'glossary', 'aria-labelledby': 'glossary-title', 'data-glossary': '' }, [
    h('h2', { id: 'glossary-title', tabindex: -1, text: 'Glossary' }),
    // collapsed (a chapter's page, and an embedded frame, stay short); a link to an entry opens it
    h('details', { class: 'glossary-list', 'data-glossary-list': '' }, [
      h('summary', { text: `${entries.length} words the chapters use, in plain terms` }),
      h('p', { class: 'intro', text: 'In a chapter, press an underlined word to read its definition where it is.' }),
      h('dl', {}, entries.flatMap(([id, entry]) => [
        h('dt', { id: glossaryAnchor(id), tabindex: -1, text: entry.term }),
        h('dd', { text: entry.definition }),
      ])),
    ]),
  ]);
}
