// The lab's defined terms: a chapter text marks a term's first use with [[term-id]] or
// [[term-id|shown words]], and the page shows the words with a reachable definition (session
// interface 2). Entries are added at the end, one block per author, to keep merges easy.
export const glossary = {
  // --- chapter 3b (regularization): the isolated noise comparison (h-3b) ---
  'mini-batch statistics': {
    term: 'mini-batch statistics',
    definition: 'The mean and variance BN computes from the examples of the current mini-batch while training. They change from batch to batch: an estimate with noise, smaller for bigger batches.',
  },
  'whole-set statistics': {
    term: 'whole-set statistics',
    definition: 'The mean and variance of the whole training set under the current weights, used by BN instead of the mini-batch\'s. The same at every step for the same weights: BN without its noise. It costs a pass over all training examples at every step.',
  },
  'full batch': {
    term: 'full batch',
    definition: 'A mini-batch that holds the whole training set (here 512 of 512 examples). Its statistics are the whole set\'s, so BN has no batch noise at all.',
  },
  'loss gap': {
    term: 'loss gap',
    definition: 'Test loss minus training loss, both measured on labels with the same share flipped. Near 0: the net learnt the pattern; larger: it learnt training examples by heart.',
  },
  overfitting: {
    term: 'overfitting',
    definition: 'Doing better on the training examples than on new ones, because the net has fitted details (here, flipped labels) that do not carry over.',
  },
  memorized: {
    term: 'memorized',
    definition: 'A flipped training label the trained net predicts as given (the wrong label): it has learnt that example by heart instead of the pattern around it.',
  },
};
