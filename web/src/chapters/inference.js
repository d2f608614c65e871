// Chapter 4: at test time BN needs running averages. One trained BN net, evaluated with running
// averages (several decays), exact population statistics, or each test batch's own statistics.
import { int, num, pct } from '../format.js';
import { colors, styleAt } from '../palette.js';
import { arr, capitalize, isNum, seedControl, sentences, takeaway } from './common.js';
import { numberScore } from '../predict.js';

const decays = [0, 0.5, 0.9, 0.99, 0.999];
const sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const sizeAxis = { label: 'test batch size (log scale)', log: true, ticks: sizes, tickFormat: (/** @type {number} */ v) => String(v) };
const accAxis = { label: 'test accuracy', domain: [0, 1], tickFormat: (/** @type {number} */ v) => pct(v, 0) };

const modeStyles = {
  batch: { label: 'the test batch\'s own statistics', color: colors.vermillion, dash: '7 4', marker: 'square' },
  population: { label: 'exact statistics (whole training set)', color: colors.black, dash: '3 3' },
  running: { label: 'running averages (decay chosen)', color: colors.blue, dash: '' },
};

/** @typedef {import('./chapter-types').EngineJson} EngineJson */

/** The checkpoint at `step`, else the latest, else null. @param {EngineJson} result @param {number} step @returns {EngineJson} */
function checkpointAt(result, step) {
  const list = arr(result?.checkpoints);
  return list.find((c) => c.step === step) || list[list.length - 1] || null;
}

/** @type {(result: EngineJson, decay: number) => number} */
const decayIndex = (result, decay) => Array.from(arr(result?.ema_decays)).indexOf(decay);

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'inference',
  number: '4',
  short: 'Test time',
  title: 'At test time, BN needs running averages',
  claim: 'At test time there may be a single example, so BN cannot use batch statistics; it uses running averages of the training batches\' means and variances instead.',
  intro: [
    'One network with BN is trained on two spirals. At 200 and at 2,000 steps the same weights are evaluated three ways: with [[running-averages|running averages]] of the training batches\' statistics, with the exact statistics of the whole training set ([[whole-set-statistics|whole-set statistics]]), and with each test batch\'s own statistics for batch sizes 1 to 256.',
    'The decay is the weight of the old average, as in the lecture: run = decay · run + (1 − decay) · batch. PyTorch\'s momentum is the weight of the new batch, 1 − decay (decay 0.9 = PyTorch\'s default 0.1). A batch of one has no variance: every unit outputs β whatever the input, so the net gives one answer for everything — chance.',
  ],
  controls: [
    { key: 'decay', label: 'Running-average decay (weight of the old average)', kind: 'choice', options: decays, view: true, fallback: 0.9, hint: 'PyTorch momentum = 1 − decay.' },
    { key: 'at', label: 'Evaluate after', kind: 'choice', options: [{ value: 200, label: '200 steps' }, { value: 2000, label: '2,000 steps' }], view: true, fallback: 2000 },
    { key: 'px', label: 'Point x0', kind: 'number', min: -3, max: 3, step: 0.1, read: (spec) => arr(spec?.point)[0], write: (spec, v) => { spec.point = [v, arr(spec.point)[1] ?? 0]; }, fallback: 0.3, hint: 'The one point to predict.' },
    { key: 'py', label: 'Point x1', kind: 'number', min: -3, max: 3, step: 0.1, read: (spec) => arr(spec?.point)[1], write: (spec, v) => { spec.point = [arr(spec.point)[0] ?? 0, v]; }, fallback: -0.2 },
    seedControl,
  ],
  stepFraction: 0.02,
  charts: [
    {
      id: 'accuracy', title: 'Test accuracy by source of BN statistics',
      description: 'Horizontal lines do not depend on the test batch size. Chance is 50%.',
      x: sizeAxis, y: accAxis, yFormat: (v) => pct(v, 1),
      series: [{ key: 'batch', ...modeStyles.batch }, { key: 'population', ...modeStyles.population }, { key: 'running', ...modeStyles.running }],
    },
    {
      id: 'decay', title: 'Running averages after short and long training', group: 'decay',
      description: 'Accuracy with running averages, by decay; dashed lines: exact statistics at the same step.',
      x: { label: 'decay (weight of the old average)', ticks: [0, 1, 2, 3, 4], domain: [-0.4, 4.4], tickFormat: (v) => String(decays[v] ?? '') },
      xFormat: (v) => `decay ${decays[v] ?? ''}`, y: accAxis, yFormat: (v) => pct(v, 1),
      series: [
        { key: 'early', label: 'after 200 steps', color: colors.vermillion, dash: '7 4', marker: 'square' },
        { key: 'late', label: 'after 2,000 steps', color: colors.blue, marker: 'circle' },
        { key: 'early-pop', label: 'exact, 200 steps', color: colors.vermillion, dash: '2 3' },
        { key: 'late-pop', label: 'exact, 2,000 steps', color: colors.blue, dash: '12 3 2 3' },
      ],
    },
    {
      id: 'curve', title: 'Over training: running averages vs exact statistics', group: 'decay',
      x: { label: 'training step' }, y: accAxis, yFormat: (v) => pct(v, 1),
      series: [
        ...decays.map((d, i) => ({ key: `d${i}`, label: `decay ${d}`, ...styleAt(i) })),
        { key: 'population', label: 'exact statistics', color: colors.black, dash: '1 2', width: 3 },
      ],
    },
    {
      id: 'point', title: 'Predict this one point',
      description: 'Probability of class 1 for the chosen point. With batch statistics the answer depends on the other examples in its batch: the bars show the range over different companions.',
      x: sizeAxis, y: { label: 'P(class 1)', domain: [0, 1], tickFormat: (v) => pct(v, 0) }, yFormat: (v) => pct(v, 1),
      series: [{ key: 'batch', ...modeStyles.batch, label: 'in a test batch (mean, min–max)' }, { key: 'population', ...modeStyles.population }, { key: 'running', ...modeStyles.running }],
    },
  ],
  render(result, charts, { values }) {
    const cp = checkpointAt(result, values.at);
    const di = decayIndex(result, values.decay);
    const running = cp && di >= 0 ? arr(cp.running)[di] : null;
    const batch = arr(cp?.batch);
    const stepText = cp ? `after ${int(cp.step)} steps` : '';
    const hl = [];
    if (cp && isNum(cp.population?.accuracy)) hl.push({ key: 'population', y: cp.population.accuracy, label: `exact ${pct(cp.population.accuracy)}` });
    if (running && isNum(running.accuracy)) hl.push({ key: 'running', y: running.accuracy, label: `running (decay ${values.decay}) ${pct(running.accuracy)}` });
    charts.get('accuracy').update({
      series: cp ? [{ key: 'batch', x: batch.map((b) => b.size), y: batch.map((b) => b.accuracy) }] : [],
      hlines: hl,
      summary: cp ? `${stepText}: running averages (decay ${values.decay}) ${pct(running?.accuracy)}, exact statistics ${pct(cp.population?.accuracy)}, test batches of 1 ${pct(batch[0]?.accuracy)}, of ${batch.at(-1)?.size} ${pct(batch.at(-1)?.accuracy)}.` : 'Waiting for the first checkpoint (200 steps)…',
    });
    const list = arr(result?.checkpoints);
    const early = list[0];
    const late = list.length > 1 ? list[list.length - 1] : null;
    /** @type {(c: EngineJson, key: string) => import('../charts/chart-types').LineSeries[]} */
    const byDecay = (c, key) => (c ? [{ key, x: arr(c.running).map((_, i) => i), y: arr(c.running).map((r) => r.accuracy) }] : []);
    charts.get('decay').update({
      series: [...byDecay(early, 'early'), ...byDecay(late, 'late')],
      hlines: [early && { key: 'early-pop', y: early.population?.accuracy }, late && { key: 'late-pop', y: late.population?.accuracy }].filter(Boolean),
      summary: early ? `After ${int(early.step)} steps: decay 0.999 gives ${pct(arr(early.running).at(-1)?.accuracy)} vs ${pct(early.population?.accuracy)} exact${late ? `; after ${int(late.step)} steps ${pct(arr(late.running).at(-1)?.accuracy)} vs ${pct(late.population?.accuracy)}` : ''}.` : '',
    });
    const curve = result?.curve;
    charts.get('curve').update({
      series: curve ? [
        ...decays.map((_, i) => ({ key: `d${i}`, x: arr(curve.step), y: arr(arr(curve.running_accuracy)[i]) })),
        { key: 'population', x: arr(curve.step), y: arr(curve.population_accuracy) },
      ] : [],
      summary: curve ? `Accuracy every ${result.spec?.curve_every ?? ''} steps with each decay; slow averages (0.999) lag behind the exact statistics early on.` : '',
    });
    const point = cp?.point;
    const p1 = (/** @type {unknown} */ probs) => arr(probs)[1];
    const pb = arr(point?.batch);
    const pointHl = [];
    if (point && isNum(p1(point.population))) pointHl.push({ key: 'population', y: p1(point.population), label: `exact ${pct(p1(point.population))}` });
    if (point && di >= 0 && isNum(p1(arr(point.running)[di]))) pointHl.push({ key: 'running', y: p1(arr(point.running)[di]), label: `running ${pct(p1(arr(point.running)[di]))}` });
    const where = `(${num(arr(result?.point)[0])}, ${num(arr(result?.point)[1])})`;
    charts.get('point').update({
      series: point ? [{
        key: 'batch', x: pb.map((b) => b.size), y: pb.map((b) => p1(b.mean)),
        errLo: pb.map((b) => p1(b.min)), errHi: pb.map((b) => p1(b.max)),
      }] : [],
      hlines: pointHl,
      summary: point ? `Point ${where} ${stepText}: P(class 1) = ${pct(p1(point.population))} with exact statistics; in a batch of ${pb[0]?.size} it ranges ${pct(p1(pb[0]?.min))}–${pct(p1(pb[0]?.max))}.${isNum(cp.batch1?.max_difference) ? ` With batches of one, all test points get the same output (largest difference ${num(cp.batch1.max_difference)}).` : ''}` : '',
    });
    // The question: what should BN use at test time? Answered at the checkpoint and decay chosen,
    // with the numbers of the accuracy chart's summary.
    const native = typeof result?.takeaway === 'string' ? result.takeaway : '';
    const run = running?.accuracy;
    const exact = cp?.population?.accuracy;
    const one = batch.find((b) => b.size === 1)?.accuracy;
    if (!cp || !isNum(run) || !isNum(exact)) return native || `Training… ${pct(result?.progress, 0)}`;
    const close = Math.abs(run - exact) < 0.01;
    const oneText = isNum(one) ? `, while test batches of 1 scored ${pct(one)}` : '';
    const headline = close
      ? `${capitalize(stepText)}, running averages (decay ${values.decay}) scored ${pct(run)}, as well as exact statistics (${pct(exact)})${oneText}.`
      : `${capitalize(stepText)}, running averages (decay ${values.decay}) scored ${pct(run)} against ${pct(exact)} with exact statistics${oneText}.`;
    // The core's sentences name the whole-set statistics "population statistics": the charts say "exact".
    const big = batch.at(-1);
    const details = sentences(native).slice(1).map((t) => t.replace(/population statistics|vs population/g, (w) => (w === 'vs population' ? 'vs exact statistics' : 'exact statistics')));
    if (big && big.size > 1 && isNum(big.accuracy)) details.unshift(`With its own statistics, a test batch of ${big.size} scored ${pct(big.accuracy)}.`);
    if (isNum(one)) details.push('A test batch of one has no spread: every unit outputs β whatever the input, so the net gives one answer for every input, which is chance.');
    return takeaway(headline, details);
  },
  // Predict, then run (web/src/predict.js): test accuracy when every test batch holds one example.
  predict: {
    id: 'inference-batch-of-one',
    question: 'After 2,000 steps, BN is evaluated with each test batch\'s own statistics and the test batches hold ONE example each. What test accuracy do you expect (in %; chance is 50%)?',
    kind: 'number',
    range: { min: 0, max: 100, unit: '%', step: 1 },
    // Answered on a chart (charts/predict-point.js): test accuracy against the test batch size.
    point: { x: 1, xText: 'a test batch of 1', xLabel: 'test batch size (log scale)', yLabel: 'test accuracy (%)', xDomain: [0.7, 360], xLog: true, xTicks: sizes, reference: { y: 50, label: 'chance 50%' }, keyStep: 5 },
    measure(result) {
      const list = arr(result?.checkpoints);
      const cp = list.find((c) => c.step === 2000) || list[list.length - 1];
      const one = arr(cp?.batch).find((b) => b.size === 1);
      if (!one || !isNum(one.accuracy)) return null;
      const value = Math.round(one.accuracy * 1000) / 10;
      const curve = arr(cp.batch).map((b) => ({ x: b.size, y: b.accuracy * 100 }));
      return { value, text: `${pct(one.accuracy)} after ${int(cp.step)} steps`, step: cp.step, population: cp.population?.accuracy, curve };
    },
    score: numberScore(10),
    explain: (answer, m) => `This run's test accuracy with batches of one was ${num(m.value)}% after ${int(m.step)} steps (your prediction: ${num(answer)}%), against ${pct(m.population)} with the exact statistics. A single example has no variance, so every BN unit outputs its β whatever the input and the net gives one answer for everything, which is why BN uses running averages at test time.`,
  },
};
