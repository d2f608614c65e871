// Words the lab uses that a student who watched the lecture may not know, each in plain words.
// A chapter text marks the first use of one with [[id]] or [[id|shown words]] (ui/rich-text.js turns
// the marker into the words plus a button that opens the definition in place); the page's Glossary
// section lists every entry. New entries go at the END of the object (several branches add to it).
/** @typedef {{ term: string, definition: string }} GlossaryEntry */
/** @type {Record<string, GlossaryEntry>} */
export const glossary = {
  'kurtosis': {
    term: 'kurtosis',
    definition: 'How heavy the tails of a distribution are: how often values land far from the mean. '
      + 'A normal (Gaussian) distribution has kurtosis 3; a larger value means more rare, extreme values.',
  },
  'finite-population-correction': {
    term: 'finite-population correction',
    definition: 'A mini-batch drawn without replacement from a training set of N examples varies less than one drawn from an '
      + 'endless supply: its mean\'s variance is multiplied by (N − B) / (N − 1) for a batch of B. When B = N the batch is the '
      + 'whole set and the noise is zero.',
  },
  'sample-variance': {
    term: 'S² (sample variance)',
    definition: 'The variance measured on the examples at hand (here one mini-batch): the average squared distance of the '
      + 'values from their own mean. It is an estimate of the variance of the whole set, and it changes from batch to batch.',
  },
  'first-two-moments': {
    term: 'first two moments',
    definition: 'The mean (first moment) and the variance (second moment, about the mean) of a quantity: the two numbers '
      + 'batch norm fixes for every hidden unit.',
  },
  'one-sigma-ellipse': {
    term: '1-sigma ellipse',
    definition: 'An ellipse drawn around a cloud of points that covers about 39 % of a two-dimensional normal cloud: its centre '
      + 'is the mean and its axes follow the spread (one standard deviation) in each direction. When the ellipse moves or '
      + 'changes shape, the distribution has moved.',
  },
  'gradient-change': {
    term: '‖G − G′‖ (gradient change)',
    definition: 'Santurkar et al.\'s (2018) measure of internal covariate shift. G is the gradient of the loss with respect to '
      + 'one layer\'s weights; G′ is the same gradient after the layers before it took their update on the same mini-batch. '
      + 'The size of the difference, ‖G − G′‖ (usually divided by ‖G‖), says how much the earlier layers\' change moved the '
      + 'target of this layer.',
  },
  'anisotropic': {
    term: 'anisotropic',
    definition: 'Stretched differently in different directions (not the same in every direction), e.g. an input scaled by 3 '
      + 'along one axis and by 1 along the other.',
  },
  'ghost-batches': {
    term: 'ghost batches',
    definition: 'Normalizing with the statistics of small groups of examples inside a larger batch, so that the noise of a small '
      + 'batch is kept while the weights take steps on the large one.',
  },
  'full-batch': {
    term: 'full-batch',
    definition: 'Training where every step uses the whole training set at once (the mini-batch is all N examples). Then the '
      + 'batch mean and variance are the same at every step: batch norm has no noise.',
  },
  'mini-batch-statistics': {
    term: 'mini-batch statistics',
    definition: 'The mean and variance of a hidden unit computed over the current mini-batch only, as batch norm does while '
      + 'training. They change from batch to batch: that is batch norm\'s noise.',
  },
  'whole-set-statistics': {
    term: 'whole-set (population) statistics',
    definition: 'The mean and variance of a hidden unit computed over the whole training set at the current weights. They '
      + 'carry no batch-to-batch noise.',
  },
  'running-averages': {
    term: 'running averages',
    definition: 'Exponentially weighted averages of the mini-batch means and variances seen during training '
      + '(new = momentum × old + (1 − momentum) × this batch). Batch norm uses them at test time, when there may be one example only.',
  },
  'adabn': {
    term: 'AdaBN',
    definition: 'Adaptive batch norm (Li et al. 2016): keep the trained weights, but recompute the batch-norm means and '
      + 'variances on the new (shifted) data before testing on it.',
  },
  'loss-gap': {
    term: 'loss gap',
    definition: 'Test loss minus training loss at the end of training: how much better the network does on the examples it '
      + 'learned from than on new ones. A bigger gap means more overfitting; a regularizer makes it smaller.',
  },
  'internal-covariate-shift': {
    term: 'internal covariate shift',
    definition: 'Ioffe and Szegedy\'s name for the change of a hidden layer\'s input distribution during training, as the layers '
      + 'before it learn. The lecture says batch norm helps by reducing it; later work (Santurkar et al. 2018) disputes that.',
  },
  'percentile-bands': {
    term: 'percentile bands',
    definition: 'Lines that show where the 15th, 50th (median) and 85th percentiles of a value lie over a set of examples: the '
      + 'middle 70 % of the values fall between the outer two. A band that drifts or widens means the distribution moves.',
  },
  // --- chapter 3b (regularization) ---
  'overfitting': {
    term: 'overfitting',
    definition: 'Doing better on the training examples than on new ones, because the net has fitted details (here, flipped '
      + 'labels) that do not carry over.',
  },
  'memorized': {
    term: 'memorized',
    definition: 'A flipped training label the trained net predicts as given (the wrong label): it has learnt that example by '
      + 'heart instead of the pattern around it.',
  },
};

// [[id]] or [[id|shown words]]: ids are lower-case words joined by hyphens.
export const termMarker = /\[\[([a-z0-9-]+)(?:\|([^\]]+))?\]\]/g;

// The pieces of a text: plain strings and {id, words, entry} for each marker (entry undefined when
// the id is unknown). Used by the page and by the tests that check the chapters' markers.
/** @typedef {{ id: string, words: string, entry: GlossaryEntry | undefined }} TermPiece */
/** @param {string} text @returns {Array<string | TermPiece>} */
export function splitTerms(text) {
  /** @type {Array<string | TermPiece>} */
  const pieces = [];
  let last = 0;
  for (const match of String(text).matchAll(termMarker)) {
    if (match.index > last) pieces.push(text.slice(last, match.index));
    const id = match[1];
    const entry = Object.hasOwn(glossary, id) ? glossary[id] : undefined;
    pieces.push({ id, words: match[2] ?? entry?.term ?? id, entry });
    last = match.index + match[0].length;
  }
  if (last < String(text).length) pieces.push(String(text).slice(last));
  return pieces;
}

// The text as a reader sees it (markers replaced by their words): for announcements and exports.
/** @param {string | null | undefined} text */
export const plainText = (text) => splitTerms(text ?? '').map((p) => (typeof p === 'string' ? p : p.words)).join('');
