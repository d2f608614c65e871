// Chapter 3a: the noise explorer. How noisy are BN's batch statistics, against sampling theory,
// and next to dropout's noise (which does not depend on the batch size).
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, isNum, seedControl, takeaway } from './common.js';
import { numberScore } from '../predict.js';

const sizes = [16, 32, 64, 128, 256, 512];
const logTicks = { log: true, ticks: sizes, tickFormat: (/** @type {number} */ v) => String(v) };

// The two noise charts (batch mean, batch variance): noise against the batch size, measured beside
// its theory and one comparison line (extra lines after it), and a cross at the size inspected.
/**
 * @param {{ id: string, title: string, description: string, yLabel: string, theory: string,
 *   comparison: { key: string, label: string }, extra?: import('../charts/chart-types').SeriesStyle[] }} chart
 * @returns {import('./chapter-types').ChartDef}
 */
function noiseChart({ id, title, description, yLabel, theory, comparison, extra = [] }) {
  return {
    id, title, group: 'noise', description,
    x: { label: 'mini-batch size m', ...logTicks }, y: { label: yLabel, log: true },
    series: [
      { key: 'measured', label: 'measured', color: colors.blue, marker: 'circle' },
      { key: 'theory', label: theory, color: colors.black, dash: '6 3' },
      { ...comparison, color: colors.purple, dash: '2 3' },
      ...extra,
      { key: 'inspect', label: 'size inspected', color: colors.vermillion, marker: 'cross', line: false },
    ],
  };
}

// The values with a full batch's entries (full[i] true) made gaps.
/** @param {unknown} values @param {unknown} full @returns {number[]} */
function masked(values, full) {
  const v = arr(values);
  const f = arr(full);
  return Array.from(v, (x, i) => (f[i] ? NaN : x));
}

// A histogram of the standardized batch means for one batch size, with the theory's normal curve.
/** @param {unknown} values @param {number} sd the theory's */
function histogram(values, sd) {
  const v = arr(values).filter(Number.isFinite);
  if (!v.length) return null;
  const lim = Math.max(3 * (sd || 0.1), ...v.map(Math.abs));
  const bins = 24;
  const width = (2 * lim) / bins;
  const counts = new Array(bins).fill(0);
  for (const x of v) counts[Math.min(bins - 1, Math.max(0, Math.floor((x + lim) / width)))] += 1;
  const x = counts.map((_, i) => -lim + (i + 0.5) * width);
  const density = counts.map((c) => c / (v.length * width));
  const curveX = Array.from({ length: 81 }, (_, i) => -lim + (i * 2 * lim) / 80);
  const curveY = curveX.map((t) => (sd > 0 ? Math.exp(-0.5 * (t / sd) ** 2) / (sd * Math.sqrt(2 * Math.PI)) : NaN));
  return { x, density, curveX, curveY, n: v.length, sd: Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length) };
}

// 64 (or the smallest size) and the largest size below the full batch, both measured.
/** @param {unknown} m the batch sizes @param {number[]} measured @param {unknown} population the training set's size */
function noiseEnds(m, measured, population) {
  const sizes = Array.from(arr(m));
  const lo = sizes.includes(64) ? sizes.indexOf(64) : 0;
  let hi = -1;
  for (let k = lo + 1; k < sizes.length; k += 1) if (!(isNum(population) && sizes[k] >= population) && isNum(measured[k]) && measured[k] > 0) hi = k;
  return hi > lo && isNum(measured[lo]) ? { lo, hi } : null;
}

// Dropout's example noise over the batch sizes, as one number or a range ("0.87–0.89").
/** @param {unknown} values */
function dropoutRange(values) {
  const v = arr(values).filter(isNum);
  if (!v.length) return '—';
  const a = num(Math.min(...v));
  const b = num(Math.max(...v));
  return a === b ? a : `${a}–${b}`;
}

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'noise',
  number: '3a',
  short: 'Noise',
  title: 'BN\'s statistics are noisy, and less so for bigger batches',
  claim: 'Batch norm regularizes a little, like dropout, because each example is normalized with the mean and variance of a random mini-batch; bigger mini-batches mean less noise and less regularization.',
  intro: [
    'A network is frozen and many mini-batches are drawn exactly the way training draws them. For each batch we record the batch mean and variance of every unit in hidden layer 1 and compare them with the whole training set\'s.',
    'Sampling theory says the batch mean\'s error shrinks like 1/√m: from 64 to 256 examples per batch it should halve, and at 512 it is 1/√512 ≈ 0.044 σ. Batches are drawn without replacement from the N training examples, so it falls a little faster than 1/√m: the [[finite-population-correction]] √((N−m)/(N−1)) says by how much. It matters only when m is a sizeable share of N, and at m = N the batch is the whole set ([[full-batch|"full batch"]]: no noise at all).',
    'The training-set size N is a control. The lecture\'s 512 is a mini-batch drawn from a much larger set: pick a large N and 512 is a real mini-batch with the noise the theory predicts; pick N = 512 and it is the full batch.',
  ],
  controls: [
    { key: 'inspect', label: 'Mini-batch size to inspect', kind: 'choice', options: [64, 128, 256, 512], view: true, fallback: 64, hint: 'Highlighted in the plots; its batch means are shown as a histogram.' },
    { key: 'ntrain', label: 'Training-set size N', kind: 'choice', options: [512, 1024, 2048, 4096, 8192, 16384, 60000], path: 'data.n_train', fallback: 60000, hint: 'Batches are drawn from these N examples; at N = 512 a batch of 512 is the whole set.' },
    { key: 'bn', label: 'Net has batch norm', kind: 'toggle', path: 'model.batch_norm', fallback: true },
    { key: 'trainSteps', label: 'Train before freezing', kind: 'choice', options: [{ value: 0, label: 'no (at initialization)' }, { value: 500, label: '500 steps' }, { value: 2000, label: '2,000 steps' }], path: 'train_steps', fallback: 0 },
    seedControl,
  ],
  stepFraction: 0.05,
  charts: [
    noiseChart({
      id: 'mean-noise', title: 'Noise of the batch mean',
      description: 'std over batches of the batch mean, in units of the unit\'s population std (log-log).',
      yLabel: 'std(batch mean) / σ', theory: 'theory √((N−m)/(m(N−1)))',
      comparison: { key: 'iid', label: '1/√m (independent draws)' },
      extra: [{ key: 'deeper', label: 'one layer up (measured)', color: colors.green, dash: '9 3 2 3', marker: 'triangle' }],
    }),
    noiseChart({
      id: 'var-noise', title: 'Noise of the batch variance',
      description: 'std over batches of the unbiased batch variance [[sample-variance|S²]], relative to the population variance. Its theory needs each unit\'s [[kurtosis]].',
      yLabel: 'std(batch variance) / S²', theory: 'theory, measured kurtosis',
      comparison: { key: 'gaussian', label: 'theory if Gaussian' },
    }),
    {
      id: 'example', title: 'Noise one example feels: BN vs dropout', group: 'compare',
      description: 'rms change of one example\'s value, in units of the unit\'s σ, caused by the batch it sits in (BN) or by the dropout mask (dropout).',
      x: { label: 'mini-batch size m', ...logTicks }, y: { label: 'rms noise (units of σ)', log: true },
      series: [
        { key: 'bn', label: 'BN (batch statistics)', color: colors.blue, marker: 'circle' },
        { key: 'bnTheory', label: 'BN, first-order theory', color: colors.black, dash: '6 3' },
        { key: 'dropout', label: 'dropout', color: colors.vermillion, dash: '7 4', marker: 'square' },
      ],
    },
    {
      id: 'histogram', title: 'Batch means of one unit at the inspected size', group: 'compare',
      description: '(batch mean − population mean) / σ over all drawn batches; the curve is the theory\'s normal spread.',
      x: { label: 'standardized batch mean' }, y: { label: 'density', zero: true },
      series: [
        { key: 'hist', label: 'drawn batches', color: colors.blue, marker: 'circle' },
        { key: 'normal', label: 'theory', color: colors.black, dash: '6 3' },
      ],
    },
  ],
  render(result, charts, { values }) {
    const m = arr(result?.batch_size);
    const full = result?.full_batch;
    const at = Array.from(m).indexOf(values.inspect);
    const measured = masked(result?.mean_noise, full);
    const fullSizes = Array.from(m).filter((_, i) => arr(full)[i]);
    const fullNote = fullSizes.length ? `m = ${fullSizes.join(', ')} is the whole training set (full batch): zero noise, so it has no point on log axes.` : '';
    const inspectFull = fullSizes.includes(values.inspect);
    const inspect = (/** @type {number[]} */ series) => (at >= 0 && isNum(series[at]) ? [{ key: 'inspect', x: [m[at]], y: [series[at]] }] : []);
    // Lines over the batch sizes, [key, values] each; a full batch has no point (log axes).
    const bySize = (/** @type {Array<[string, unknown]>} */ ...lines) => lines.map(([key, values]) => ({ key, x: m, y: masked(values, full) }));
    const deeper = result?.deeper;
    const theory = arr(result?.mean_noise_theory);
    const ends = noiseEnds(m, measured, result?.population);
    charts.get('mean-noise').update({
      series: [
        { key: 'measured', x: m, y: measured },
        ...bySize(['theory', result?.mean_noise_theory], ['iid', result?.mean_noise_iid]),
        ...(deeper ? bySize(['deeper', deeper.mean_noise]) : []),
        ...inspect(measured),
      ],
      summary: [
        ends ? `Measured: ${num(measured[ends.lo])} σ at m = ${m[ends.lo]}, ${num(measured[ends.hi])} σ at m = ${m[ends.hi]} (${num(measured[ends.lo] / measured[ends.hi])}× less; theory ${num(theory[ends.lo] / theory[ends.hi])}×).` : '',
        at >= 0 && isNum(measured[at]) ? `At m = ${m[at]}: measured ${num(measured[at])}, theory ${num(theory[at])}.`
          : inspectFull ? `m = ${values.inspect} is the whole training set: no noise.` : 'Measured points appear batch size by batch size.',
      ].filter(Boolean).join(' '),
      note: fullNote,
    });
    const vm = masked(result?.var_noise, full);
    charts.get('var-noise').update({
      series: [
        { key: 'measured', x: m, y: vm },
        ...bySize(['theory', result?.var_noise_theory], ['gaussian', result?.var_noise_gaussian]),
        ...inspect(vm),
      ],
      summary: isNum(result?.kurtosis?.mean) ? `Mean kurtosis of the units: ${num(result.kurtosis.mean)} (3 for a Gaussian), which is why the Gaussian formula is off.` : '',
    });
    const drop = result?.dropout || {};
    charts.get('example').update({
      series: bySize(['bn', result?.example_noise], ['bnTheory', result?.example_noise_theory], ['dropout', drop.example_noise]),
      // The chart's own measure (noise one example feels, in σ): the takeaway of old quoted the
      // spread of the mask factor (0.50 at p = 0.2) beside this line at about 0.88.
      summary: isNum(drop.p)
        ? `Dropout (p = ${num(drop.p)}): ${dropoutRange(drop.example_noise)} σ at every batch size; BN: ${ends ? `${num(arr(result?.example_noise)[ends.lo])} σ at m = ${m[ends.lo]}, ${num(arr(result?.example_noise)[ends.hi])} σ at m = ${m[ends.hi]}` : 'falls as the batch grows'}.`
        : '',
    });
    const sample = result?.sample;
    const k = sample ? Array.from(arr(sample.batch_size)).indexOf(values.inspect) : -1;
    const hist = k >= 0 ? histogram(sample.standardized_means?.[k], at >= 0 ? arr(result.mean_noise_theory)[at] : NaN) : null;
    charts.get('histogram').update({
      series: hist ? [{ key: 'hist', x: hist.x, y: hist.density }, { key: 'normal', x: hist.curveX, y: hist.curveY }] : [],
      summary: inspectFull ? `m = ${values.inspect} is the whole training set: every batch mean equals the population mean (zero noise).`
        : hist ? `m = ${values.inspect}: ${int(hist.n)} batches, spread ${num(hist.sd)} σ.` : `No batches of size ${values.inspect} drawn yet.`,
    });
    // The question: how noisy are the batch statistics, and how does that change with m?
    // Answered by the batch mean's noise at 64 and at the largest real mini-batch.
    if (!ends || !result?.complete) return `Measuring… ${pct(result?.progress, 0)}`;
    const ratio = measured[ends.lo] / measured[ends.hi];
    const predicted = theory[ends.lo] / theory[ends.hi];
    const agrees = Math.abs(ratio / predicted - 1) < 0.15;
    const headline = `Here the batch mean's noise fell from ${num(measured[ends.lo])} σ at m = ${m[ends.lo]} to ${num(measured[ends.hi])} σ at m = ${m[ends.hi]}, ${num(ratio)}× less, ${agrees ? 'as' : 'where'} sampling theory predicts ${num(predicted)}×.`;
    const N = result?.population;
    const details = [
      isNum(N) ? `Theory: 1/√m times the finite-population correction √((N−m)/(N−1)) for batches drawn without replacement from N = ${int(N)} examples.` : '',
      fullSizes.length ? fullNote : '',
      isNum(result?.kurtosis?.mean) ? `The batch variance's noise depends on the units' kurtosis (mean ${num(result.kurtosis.mean)}; 3 for a Gaussian).` : '',
      isNum(drop.p) ? `Dropout (p = ${num(drop.p)}) moves one example's value by ${dropoutRange(drop.example_noise)} σ at every batch size: its noise does not depend on the batch.` : '',
    ];
    return takeaway(headline, details);
  },
  // Predict, then run (web/src/predict.js): the batch mean's noise at 512 relative to 64.
  predict: {
    id: 'noise-512-vs-64',
    question: 'The batch mean\'s noise at a mini-batch of 64 is 1. How big is it at 512 (as a multiple of the noise at 64)?',
    kind: 'number',
    range: { min: 0, max: 2, unit: '×', step: 0.01 },
    // Answered on a chart (charts/predict-point.js): the noise against m, relative to m = 64.
    point: { x: 512, xText: 'm = 512', xLabel: 'mini-batch size m (log scale)', yLabel: 'noise (× its value at m = 64)', xDomain: [12, 700], xLog: true, xTicks: sizes, given: [{ x: 64, y: 1, label: '1 at m = 64' }], keyStep: 0.05 },
    measure(result) {
      const m = Array.from(arr(result?.batch_size));
      const i64 = m.indexOf(64);
      const i512 = m.indexOf(512);
      const noise = arr(result?.mean_noise);
      if (i64 < 0 || i512 < 0 || !isNum(noise[i64]) || !(noise[i64] > 0)) return null;
      const at512 = arr(result?.full_batch)[i512] ? 0 : noise[i512];
      if (!isNum(at512)) return null;
      const value = Math.round((at512 / noise[i64]) * 1000) / 1000;
      const full = arr(result?.full_batch);
      const curve = m.map((size, i) => ({ x: size, y: full[i] ? 0 : noise[i] / noise[i64] })).filter((p) => isNum(p.y));
      return { value, text: `${num(value)}× (${num(noise[i64])} σ at 64, ${num(at512)} σ at 512)`, at64: noise[i64], at512, curve };
    },
    score: numberScore(0.1),
    explain: (answer, m) => `This run measured the batch mean's noise at ${num(m.at64)} σ for 64 examples and ${num(m.at512)} σ for 512: ${num(m.value)}× as much, against your ${num(answer)}×. Sampling theory says the noise shrinks like 1/√m, so 8 times the batch gives 1/√8 ≈ 0.35× the noise (a little less when the batch is a large share of the training set).`,
  },
};
