// Chapter 1: normalizing speeds learning. Two nets, the same seed and batches, in lock-step.
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, batchControl, capitalize, isNum, lastFinite, lrControl, momentumControl, netStyles, seedControl, sentences, takeaway } from './common.js';

const nets = ['plain', 'bn'];

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'speed',
  number: '1',
  short: 'Speed',
  title: 'Normalizing speeds up learning',
  claim: 'Normalizing the inputs of every layer lets gradient descent take bigger, safer steps, so the network learns faster.',
  intro: [
    'Two copies of the same network (two spirals, 4 hidden layers of 64 ReLU units) start from the same weights and see the same mini-batches in the same order. The only difference: one normalizes each hidden pre-activation with the [[mini-batch-statistics|mean and variance of the current mini-batch]] (batch norm), the other does not. They train in lock-step, so each step on the left is the same step on the right.',
    'Try the learning rate: at 0.01 both learn, BN sooner; at 0.3 and above watch the plain network fail (its loss climbs back to chance, 0.69, or it diverges) while BN keeps training.',
  ],
  controls: [
    lrControl([0.01, 0.03, 0.1, 0.3, 1]),
    batchControl(),
    momentumControl(),
    seedControl,
  ],
  stepFraction: 0.02,
  charts: [
    {
      id: 'loss', title: 'Training loss (whole training set)', group: 'curves',
      description: 'Cross-entropy on all training points, every few steps. The dashed line is the target loss.',
      x: { label: 'training step' }, y: { label: 'loss (log scale)', log: true, cap: 20 },
      series: [{ key: 'plain', ...netStyles.plain }, { key: 'bn', ...netStyles.bn }, { key: 'target', label: 'target loss', color: colors.black, dash: '3 3' }],
    },
    {
      id: 'accuracy', title: 'Test accuracy', group: 'curves',
      description: 'Share of held-out points classified correctly (BN uses its running averages).',
      x: { label: 'training step' }, y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) },
      yFormat: (v) => pct(v, 1),
      series: [{ key: 'plain', ...netStyles.plain }, { key: 'bn', ...netStyles.bn }],
    },
    { id: 'boundary-plain', kind: 'field', title: 'Decision regions: without BN', group: 'boundaries', x: { label: 'x0' }, y: { label: 'x1' } },
    { id: 'boundary-bn', kind: 'field', title: 'Decision regions: with BN', group: 'boundaries', x: { label: 'x0' }, y: { label: 'x1' } },
  ],
  render(result, charts) {
    const data = result?.nets || {};
    const target = result?.target_loss;
    const curve = (/** @type {string} */ key, /** @type {string} */ field) => {
      const net = data[key] || {};
      return { key, x: arr(net.eval_step), y: arr(net[field]), diverged: isNum(net.diverged_at) };
    };
    // One phrase per net, said the same way in the loss chart's summary and in the headline.
    const state = (/** @type {string} */ key) => {
      const net = data[key] || {};
      const who = `the net ${netStyles[key].label}`;
      if (isNum(net.diverged_at)) return `${who} diverged at step ${int(net.diverged_at)}`;
      if (isNum(net.steps_to_target)) return `${who} reached training loss ${num(target)} at step ${int(net.steps_to_target)}`;
      return `${who} is at training loss ${num(lastFinite(net.train_loss))}`;
    };
    charts.get('loss').update({
      series: nets.map((k) => curve(k, 'train_loss')),
      hlines: isNum(target) ? [{ key: 'target', y: target, label: `target ${num(target)}` }] : [],
      summary: `${capitalize(state('bn'))}; ${state('plain')}.`,
    });
    charts.get('accuracy').update({
      series: nets.map((k) => curve(k, 'test_accuracy')),
      summary: nets.map((k) => `${netStyles[k].label}: ${isNum(data[k]?.diverged_at) ? 'diverged' : pct(lastFinite(data[k]?.test_accuracy))}`).join('; ') + ' test accuracy at the latest evaluation.',
    });
    for (const k of nets) {
      const net = data[k] || {};
      charts.get(`boundary-${k}`).update({
        grid: net.boundary ? { n: net.boundary.n, lo: net.boundary.lo, hi: net.boundary.hi, cls: arr(net.boundary.class), conf: arr(net.boundary.confidence) } : null,
        points: result?.points,
        summary: isNum(net.diverged_at) ? `${netStyles[k].label}: diverged; the regions show the last weights before it blew up.` : `${netStyles[k].label}: test accuracy ${pct(lastFinite(net.test_accuracy))}.`,
      });
    }
    // The question: does BN learn faster? Answered by the two nets' steps to the target loss.
    const native = sentences(result?.takeaway);
    const accuracy = nets.map((k) => (isNum(data[k]?.diverged_at) ? '' : `${netStyles[k].label} ${pct(lastFinite(data[k]?.test_accuracy))}`)).filter(Boolean);
    const reached = nets.every((k) => isNum(data[k]?.steps_to_target) && !isNum(data[k]?.diverged_at));
    const headline = reached
      ? `Here ${state('bn')}, the net without BN at step ${int(data.plain.steps_to_target)}.`
      : `Here ${state('bn')}, and ${state('plain')}.`;
    return takeaway(headline, [
      ...native.slice(1).map((t) => t.replace(/(\d)x faster/, '$1× faster')),
      accuracy.length ? `Test accuracy at the latest evaluation: ${accuracy.join(', ')}.` : '',
    ]);
  },
  // Predict, then run (web/src/predict.js): scored against a run at learning rate 0.3.
  predict: {
    id: 'speed-lr03',
    question: 'At a learning rate of 0.3, which network fails to learn (its training loss ends at 0.5 or above, near chance, 0.69, or blows up)?',
    kind: 'choice',
    choices: [
      { value: 'plain', label: 'the network without BN' },
      { value: 'bn', label: 'the network with BN' },
      { value: 'both', label: 'both' },
      { value: 'neither', label: 'neither' },
    ],
    missing: 'Set the learning rate to 0.3 and press Run: the prediction is scored against that run.',
    measure(result) {
      if (result?.spec?.train?.lr !== 0.3) return null;
      const loss = (/** @type {string} */ k) => lastFinite(result?.nets?.[k]?.train_loss);
      const diverged = (/** @type {string} */ k) => isNum(result?.nets?.[k]?.diverged_at);
      // failing: diverged, or a training loss at the end of 0.5 or more (chance is 0.69)
      const fails = (/** @type {string} */ k) => diverged(k) || !(loss(k) < 0.5);
      if (['plain', 'bn'].some((k) => !diverged(k) && !isNum(loss(k)))) return null;
      const value = fails('plain') && fails('bn') ? 'both' : fails('plain') ? 'plain' : fails('bn') ? 'bn' : 'neither';
      const state = (/** @type {string} */ k) => (diverged(k) ? `diverged at step ${int(result.nets[k].diverged_at)}` : `ended at training loss ${num(loss(k))}`);
      return { value, text: `without BN ${state('plain')}; with BN ${state('bn')}`, plain: state('plain'), bn: state('bn') };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 }),
    explain: (answer, m) => `At learning rate 0.3 the network without BN ${m.plain}, and the network with BN ${m.bn}. Normalizing each layer keeps the pre-activations at a fixed scale, so a step that is too big for the plain network stays safe for the BN one.`,
  },
};
