// Evidence box: is it really (internal) covariate shift? Santurkar et al. 2018's measurement on
// the chapter-1 nets.
import { int, num } from '../format.js';
import { arr, batchControl, isNum, lrControl, netStyles, seedControl, sentences, takeaway } from './common.js';

const nets = ['plain', 'bn'];

/**
 * One net's per-layer measure against the step.
 * @param {import('./chapter-types').EngineJson} result @param {string} key the net @param {string} field @param {number} layer
 * @returns {import('../charts/chart-types').LineSeries}
 */
function layerSeries(result, key, field, layer) {
  const net = result?.nets?.[key];
  const entry = arr(net?.per_layer).find((l) => l.layer === layer);
  return { key, x: arr(net?.step), y: arr(entry?.[field]), diverged: isNum(net?.diverged_at) };
}

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'ics',
  number: '+',
  short: 'Covariate shift?',
  title: 'Is it really internal covariate shift?',
  claim: 'The lecture (after Ioffe & Szegedy 2015) explains batch norm by "internal covariate shift": each layer\'s inputs keep moving as earlier layers learn, and BN stops that movement.',
  evidenceFirst: true,
  evidence: {
    title: 'Where the lecture\'s story is contested',
    paragraphs: [
      'Santurkar, Tsipras, Ilyas and Madry ("How Does Batch Normalization Help Optimization?", NeurIPS 2018) measured internal covariate shift by what it does to the layer that must adapt: the change of that layer\'s gradient, G versus G\u2032, when the layers before it take their update on the same mini-batch. They found that BN does not reduce this shift (often it increases it), even though BN networks train faster; instead, BN makes the loss smoother and its gradient more predictive along the step.',
      'This chapter runs the same measurement on the networks of chapter 1, with and without BN, same seed, same batches. Chapter 2 shows that BN does steady the moments of a layer\'s inputs; here you can see whether that steadiness reaches the gradients.',
    ],
  },
  intro: [
    '[[internal-covariate-shift|Internal covariate shift]] is measured here as Santurkar et al. do. G is the gradient of the loss with respect to the chosen layer\'s weights on one mini-batch; G\u2032 is the same gradient after the layers before it have taken their update on that mini-batch. Top: [[gradient-change|‖G − G\u2032‖]] / ‖G‖ for the chosen layer (0 = no shift felt) and the cosine between G and G\u2032 (1 = same direction). Bottom: Santurkar et al.\'s smoothness measures along the gradient step: how much the loss varies and how much the gradient changes over a few step sizes (smaller = smoother).',
  ],
  controls: [
    lrControl([0.01, 0.03, 0.05, 0.1, 0.3]),
    batchControl(),
    { key: 'layer', label: 'Layer measured', kind: 'choice', options: [2, 3, 4, 5], view: true, fallback: 3, hint: 'W_i of the paper: layer 1 is the first linear layer.' },
    seedControl,
  ],
  stepFraction: 0.02,
  charts: [
    {
      id: 'relative', title: 'Gradient change caused by earlier layers\' update', group: 'ics',
      x: { label: 'training step' }, y: { label: '‖G − G′‖ / ‖G‖ (log)', log: true },
      series: nets.map((k) => ({ key: k, ...netStyles[k] })),
    },
    {
      id: 'cosine', title: 'cos(G, G′)', group: 'ics',
      x: { label: 'training step' }, y: { label: 'cosine', domain: [-0.2, 1] },
      series: nets.map((k) => ({ key: k, ...netStyles[k] })),
    },
    {
      id: 'loss-range', title: 'Loss variation along the gradient step', group: 'landscape',
      x: { label: 'training step' }, y: { label: 'loss range (log)', log: true },
      series: nets.map((k) => ({ key: k, ...netStyles[k] })),
    },
    {
      id: 'grad-change', title: 'Gradient change along the gradient step', group: 'landscape',
      x: { label: 'training step' }, y: { label: 'max ‖∇L(θ − ηg) − g‖ (log)', log: true },
      series: nets.map((k) => ({ key: k, ...netStyles[k] })),
    },
  ],
  render(result, charts, { values }) {
    const layer = values.layer;
    const summary = (/** @type {string} */ k) => result?.nets?.[k]?.summary || {};
    charts.get('relative').update({
      series: nets.map((k) => layerSeries(result, k, 'relative', layer)),
      // Both of Santurkar et al.'s sizes, named: the absolute change and the change relative to ‖G‖.
      summary: `Mean over steps and layers: ‖G − G′‖ without BN ${num(summary('plain').l2_diff)}, with BN ${num(summary('bn').l2_diff)}; ‖G − G′‖ / ‖G‖ without BN ${num(summary('plain').relative)}, with BN ${num(summary('bn').relative)}.`,
    });
    charts.get('cosine').update({
      series: nets.map((k) => layerSeries(result, k, 'cosine', layer)),
      summary: `Mean cosine: without BN ${num(summary('plain').cosine)}, with BN ${num(summary('bn').cosine)}.`,
    });
    for (const [id, field] of [['loss-range', 'loss_range'], ['grad-change', 'grad_change']]) {
      charts.get(id).update({
        series: nets.map((k) => ({ key: k, x: arr(result?.nets?.[k]?.step), y: arr(result?.nets?.[k]?.[field]), diverged: isNum(result?.nets?.[k]?.diverged_at) })),
        summary: `Mean: without BN ${num(summary('plain')[field])}, with BN ${num(summary('bn')[field])}.`,
      });
    }
    const div = nets.filter((k) => isNum(result?.nets?.[k]?.diverged_at)).map((k) => `${netStyles[k].label} the net diverged at step ${int(result.nets[k].diverged_at)}.`);
    const p = summary('plain');
    const b = summary('bn');
    const native = typeof result?.takeaway === 'string' ? result.takeaway : '';
    if (![p.l2_diff, b.l2_diff, p.relative, b.relative].every(isNum)) return [native, ...div].filter(Boolean).join(' ');
    // The question: does BN reduce the shift a layer feels? By both sizes the relative chart shows.
    const abs = b.l2_diff < p.l2_diff ? 'smaller' : 'larger';
    const rel = b.relative < p.relative ? 'smaller' : 'larger';
    const pair = (/** @type {string} */ f) => `${num(b[f])} with BN vs ${num(p[f])} without`;
    const what = 'the change in the layer\'s gradient when the earlier layers update';
    const verdict = abs === rel ? (abs === 'smaller' ? 'BN reduced the shift' : 'BN did not reduce the shift') : 'BN did not clearly reduce the shift';
    const headline = abs === rel
      ? `Here ${verdict}: ${what} was ${abs} with BN both as ‖G − G′‖ (${pair('l2_diff')}) and relative to ‖G‖ (${pair('relative')}).`
      : `Here ${verdict}: ${what} was ${abs} with BN as ‖G − G′‖ (${pair('l2_diff')}) but ${rel} relative to ‖G‖ (${pair('relative')}).`;
    const reduced = abs === 'smaller' && rel === 'smaller';
    const both = [b.loss_range, p.loss_range, b.grad_change, p.grad_change].every(isNum);
    const smoother = both && b.loss_range < p.loss_range && b.grad_change < p.grad_change;
    const rougher = both && b.loss_range >= p.loss_range && b.grad_change >= p.grad_change;
    const landscape = smoother ? 'smoother with BN (loss range and gradient change along the step both smaller), as they report'
      : rougher ? 'not smoother with BN: loss range and gradient change along the step were both larger, unlike what they report'
        : 'smoother with BN by one of their two measures and not by the other';
    // The core's sentences after its first (which restates the paper): race window, landscape.
    const details = [...sentences(native).slice(1).map((t) => t.replaceAll("||G - G'||", '‖G − G′‖').replaceAll('||G||', '‖G‖')), ...div];
    return takeaway(headline, details, {
      title: '"BN reduces internal covariate shift" is contested',
      text: `Santurkar et al. (2018) found that BN does not reduce internal covariate shift measured this way, and proposed instead that BN makes the loss landscape smoother. In this run the shift was ${reduced ? 'smaller with BN by both measures, which agrees with the lecture on this network' : abs === rel ? 'larger with BN by both measures, which disagrees with the lecture' : `${abs} with BN by one measure and ${rel} by the other, so it does not show BN reducing it`}; the loss landscape was ${landscape}.`,
    });
  },
  // Predict, then run (web/src/predict.js): Santurkar et al.'s measure, with and without BN.
  predict: {
    id: 'ics-santurkar',
    question: 'Santurkar et al. measure internal covariate shift as how much a layer\'s gradient changes (‖G − G′‖ / ‖G‖) when the earlier layers take their step. Does BN make this measure smaller?',
    kind: 'choice',
    choices: [
      { value: 'smaller', label: 'yes, clearly smaller with BN' },
      { value: 'same', label: 'about the same' },
      { value: 'larger', label: 'no, it is larger with BN' },
    ],
    measure(result) {
      const plain = result?.nets?.plain?.summary?.relative;
      const bn = result?.nets?.bn?.summary?.relative;
      if (!isNum(plain) || !isNum(bn) || !(plain > 0)) return null;
      // a third smaller or larger counts as a difference
      const value = bn < plain / 1.5 ? 'smaller' : bn > plain * 1.5 ? 'larger' : 'same';
      return { value, text: `mean ‖G − G′‖ / ‖G‖: ${num(plain)} without BN, ${num(bn)} with BN`, plain, bn };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 }),
    explain: (answer, m) => `In this run the mean relative gradient change was ${num(m.plain)} without BN and ${num(m.bn)} with BN. Santurkar et al. (2018) found that BN does not reliably reduce this shift, and argue it helps by making the loss landscape smoother instead, so "BN reduces internal covariate shift" is contested.`,
  },
};
