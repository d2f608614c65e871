// Chapter 3b: BN regularizes slightly, and less with bigger batches (protocol P1).
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, isNum, netStyles, seedControl } from './common.js';

const configs = [
  { key: 'none', label: 'no regularization', color: colors.black, dash: '4 2', marker: 'cross' },
  { key: 'bn', label: 'BN', color: colors.blue, dash: '', marker: 'circle' },
  { key: 'dropout', label: 'dropout', color: colors.vermillion, dash: '7 4', marker: 'square' },
  { key: 'bn_dropout', label: 'BN + dropout', color: colors.green, dash: '2 3', marker: 'triangle' },
];
const batchAxis = { label: 'mini-batch size (log scale)', log: true, ticks: [16, 32, 64, 128, 256, 512], tickFormat: (v) => String(v) };
// The live pair: the same seed, data and batch order, without and with BN.
const pair = [
  { key: 'none', label: 'no BN' },
  { key: 'bn', label: 'BN' },
];
const visitSeries = [
  { key: 'visit-none', label: 'no regularization, live (one seed)', color: colors.black, dash: '1 3', marker: 'square' },
  { key: 'visit-bn', label: 'BN, live (one seed)', color: colors.blue, dash: '1 3', marker: 'diamond' },
];
const regionClasses = ['label 0', 'label 1', 'label 0, flipped', 'label 1, flipped'];
const regionCharts = [
  { id: 'regions-none', kind: 'field', group: 'regions', title: 'Decision regions without BN', description: 'The training set as the net saw it; squares and diamonds are the flipped labels.', classes: regionClasses, x: { label: 'x0' }, y: { label: 'x1' } },
  { id: 'regions-bn', kind: 'field', group: 'regions', title: 'Decision regions with BN', description: 'The training set as the net saw it; squares and diamonds are the flipped labels.', classes: regionClasses, x: { label: 'x0' }, y: { label: 'x1' } },
];

// Loss over epochs, training and test, for one group of lines; `key(part)` and `label(part)` name
// each from 'train' / 'test'. lossLines declares them (training solid, test dashed, one colour),
// lossSeries draws one curve of a result ({epoch, train_loss, test_loss}; none without a curve).
const lossParts = [['train', '', 'train_loss'], ['test', '6 3', 'test_loss']];
const lossLines = (color, key, label, markers) => lossParts.map(([part, dash], i) => ({ key: key(part), label: label(part), color, dash, marker: markers[i] }));
const lossSeries = (curve, key) => (curve ? lossParts.map(([part, , field]) => ({ key: key(part), x: arr(curve.epoch), y: arr(curve[field]) })) : []);

const first = (metric) => arr(metric?.mean)[0];

// The entry of config `key` from whichever live run carries it (one run per config, or one for both).
function partOf(parts, key) {
  return (parts || []).find((p) => p?.configs?.[key]) || null;
}

function visitPoints(visits) {
  const list = [...(visits?.values() || [])].sort((a, b) => a.key - b.key);
  return pair.map((c) => {
    const kept = list.filter((v) => isNum(v.gap[c.key]));
    return { key: `visit-${c.key}`, x: kept.map((v) => v.key), y: kept.map((v) => v.gap[c.key]) };
  }).filter((s) => s.x.length);
}

function nTrain(values, parts) {
  const fromRun = parts?.find((p) => p?.spec)?.spec?.data?.n_train;
  return fromRun || values.ntrain;
}

function metricSeries(result, field) {
  const b = arr(result?.batch_size);
  return configs.filter((c) => result?.configs?.[c.key]).map((c) => {
    const m = result.configs[c.key][field] || {};
    const mean = arr(m.mean);
    const hw = arr(m.half_width);
    return {
      key: c.key, x: b, y: mean,
      errLo: Array.from(mean, (v, i) => (isNum(hw[i]) && hw[i] > 0 ? v - hw[i] : NaN)),
      errHi: Array.from(mean, (v, i) => (isNum(hw[i]) && hw[i] > 0 ? v + hw[i] : NaN)),
    };
  });
}

export default {
  id: 'regularization',
  number: '3b',
  short: 'Regularization',
  title: 'BN regularizes slightly, less with bigger batches',
  claim: 'Because its statistics are noisy, batch norm has a slight regularizing effect; with bigger mini-batches the noise and the effect shrink.',
  intro: [
    'Two moons with 30% of the training labels flipped: a net that memorizes the flipped labels overfits. The same small network (2-32-32-2) is trained (400 epochs by default) with no regularization, BN, dropout and BN + dropout, at mini-batch sizes 64, 128, 256 and 512 (the learning rate scaled with the batch). The gap is test loss minus training loss on data with the same label noise: larger = more overfitting.',
    'The training set has 512 examples by default, so a batch of 512 is the whole set: full-batch BN, whose statistics do not change from step to step and so add no noise at all. Enlarge the set and 512 becomes a real mini-batch again: the effect shrinks, as a slight regularizer\'s should.',
  ],
  pooled: true,
  live: {
    heading: 'Live: drag the mini-batch size',
    intro: ['One seed, the two nets side by side (same data, same batch order): their loss curves, their decision regions over the training set with the flipped labels marked, and how many flipped labels each has learnt by heart. Every size you visit adds its point to the loss-gap chart below.'],
    debounceMs: 150,
    specs(sweep, values) {
      return pair.map((c) => {
        const spec = JSON.parse(JSON.stringify(sweep));
        spec.seeds = 1;
        spec.configs = [c.key];
        spec.batch_sizes = [values.batch];
        spec.eval_every = 20; // 20 curve points; every 10 epochs costs ~40% more per run
        // Decision regions come from engines that know the field (issue 7); older ones reject it.
        if ('grid' in sweep) spec.grid = 48;
        return spec;
      });
    },
    pending: (values) => `Training both nets at batch ${values.batch}…`,
    // Decision regions only from an engine that can draw them (its specs have "grid").
    charts: (preset) => [
      {
        id: 'live-curves', title: 'Training and test loss at this batch size',
        description: 'Training loss below test loss is the overfitting; the gap at the end is the point added below.',
        x: { label: 'epoch' }, y: { label: 'loss' },
        series: [
          ...lossLines(colors.black, (p) => `none-${p}`, (p) => `no BN, ${p}`, ['square', 'cross']),
          ...lossLines(netStyles.bn.color, (p) => `bn-${p}`, (p) => `BN, ${p}`, ['circle', 'triangle']),
        ],
      },
      ...('grid' in (preset || {}) ? regionCharts : []),
    ],
    render(parts, charts, { values, done }) {
      const batch = values.batch;
      const n = nTrain(values, parts);
      const series = pair.flatMap((c) => lossSeries(arr(partOf(parts, c.key)?.curves?.[c.key])[0], (p) => `${c.key}-${p}`));
      const gaps = pair.map((c) => first(partOf(parts, c.key)?.configs?.[c.key]?.gap));
      const mem = pair.map((c) => first(partOf(parts, c.key)?.configs?.[c.key]?.memorized));
      charts.get('live-curves').update({
        series,
        summary: done && gaps.every(isNum) ? `Batch ${batch}: loss gap without BN ${num(gaps[0])}, with BN ${num(gaps[1])}.` : `Training at batch ${batch}…`,
      });
      for (const [i, c] of pair.entries()) {
        const part = partOf(parts, c.key);
        const grid = arr(part?.regions?.[c.key])[0];
        const chart = charts.get(`regions-${c.key}`);
        if (!chart || !grid) continue;
        const tp = part.train_points;
        const points = tp ? {
          x0: arr(tp.x0), x1: arr(tp.x1),
          label: Array.from(arr(tp.label), (l, k) => l + (arr(tp.flipped)[k] ? 2 : 0)),
        } : null;
        chart.update({
          grid: { n: grid.n, lo: grid.lo, hi: grid.hi, cls: arr(grid.class), conf: arr(grid.confidence) },
          points,
          summary: isNum(mem[i]) ? `${c.label}: ${pct(mem[i], 0)} of the flipped training labels predicted as flipped (memorized).` : '',
        });
      }
      if (!done) return `Training both nets at batch ${batch}…`;
      const full = batch >= n ? ` Batch ${batch} is the whole ${int(n)}-example training set: full-batch BN, no batch noise.` : ` (${int(n)} training examples.)`;
      const memText = mem.every(isNum) ? `Memorized flipped labels: no BN ${pct(mem[0], 0)}, BN ${pct(mem[1], 0)}. ` : '';
      const gapText = gaps.every(isNum) ? `Loss gap: no BN ${num(gaps[0])}, BN ${num(gaps[1])}.` : '';
      return `Batch ${batch}: ${memText}${gapText}${full}`;
    },
    visit(parts, values) {
      const gap = {};
      const memorized = {};
      for (const c of pair) {
        const entry = partOf(parts, c.key)?.configs?.[c.key];
        gap[c.key] = first(entry?.gap);
        memorized[c.key] = first(entry?.memorized);
      }
      return { key: values.batch, gap, memorized };
    },
  },
  sweepHeading: 'The full sweep: every configuration, 64 to 512, over seeds',
  controls: [
    { key: 'batch', label: 'Mini-batch size', kind: 'integer', slider: true, live: true, min: 64, max: 512, step: 32, read: () => 64, fallback: 64, unit: 'examples', hint: 'The learning rate scales with it (0.05 × batch / 512).' },
    { key: 'ntrain', label: 'Training-set size', kind: 'choice', options: [512, 1024, 2048], path: 'data.n_train', fallback: 512, hint: 'At 512, batch 512 is full-batch BN; a bigger set makes it a real mini-batch (and each run longer).' },
    { key: 'seeds', label: 'Seeds', kind: 'choice', options: [1, 2, 3, 5, 8, 10], path: 'seeds', fallback: 5, hint: 'More seeds: tighter intervals, longer run.' },
    { key: 'epochs', label: 'Epochs', kind: 'choice', options: [100, 200, 400, 800], path: 'epochs', fallback: 400 },
    { key: 'mode', label: 'BN statistics while training', kind: 'choice', options: [{ value: 'batch', label: 'the SGD mini-batch (standard)' }, { value: 'ghost', label: 'ghost batches (full-batch SGD)' }, { value: 'population', label: 'whole training set (no BN noise)' }], path: 'mode', fallback: 'batch' },
    seedControl,
  ],
  stepFraction: 0.01,
  charts: [
    {
      id: 'gap', title: 'Overfitting: test loss − training loss', dodge: 7,
      description: 'Mean over seeds with 95% intervals; same label noise in both sets.',
      x: batchAxis, y: { label: 'loss gap' }, series: [...configs, ...visitSeries],
    },
    {
      id: 'clean', title: 'Accuracy on clean test labels', dodge: 7,
      x: batchAxis, y: { label: 'clean test accuracy', max: 1, tickFormat: (v) => pct(v, 0) }, yFormat: (v) => pct(v, 1), series: configs,
    },
    {
      id: 'curves', title: 'BN over training (first seed): training and test loss',
      description: 'Training loss falling below test loss is the overfitting the gap measures.',
      x: { label: 'epoch' }, y: { label: 'loss' },
      series: [
        ...lossLines(colors.blue, (p) => `${p}-small`, (p) => `${p}, smallest batch`, ['circle', 'triangle']),
        ...lossLines(colors.vermillion, (p) => `${p}-large`, (p) => `${p}, largest batch`, ['square', 'diamond']),
      ],
    },
  ],
  /** @param {any} result @param {any} charts @param {{ visits?: Map<number, any> }} [view] */
  render(result, charts, { visits } = {}) {
    const live = visitPoints(visits);
    const liveSummary = live.length ? ` Live points (one seed): ${[...visits.values()].sort((a, z) => a.key - z.key).map((v) => `${v.key}: BN ${num(v.gap.bn)}, no BN ${num(v.gap.none)}`).join('; ')}.` : '';
    if (!result) {
      charts.get('gap').update({ series: live, summary: `Press Run for the full sweep with intervals.${liveSummary}` });
      return '';
    }
    const b = arr(result?.batch_size);
    const done = result?.seeds_done ?? 0;
    const total = result?.spec?.seeds ?? '?';
    const cur = result?.current;
    const note = cur ? `Now training seed ${cur.seed}, ${configs.find((c) => c.key === cur.config)?.label || cur.config}, batch ${cur.batch_size}, epoch ${int(cur.epoch)} · ${int(result.runs_done)} of ${int(result.runs_total)} runs done` : '';
    const gap = metricSeries(result, 'gap');
    const describe = (series) => series.map((s) => {
      const c = configs.find((x) => x.key === s.key);
      return `${c.label}: ${num(s.y[0])} at ${b[0]} → ${num(s.y[s.y.length - 1])} at ${b[b.length - 1]}`;
    }).join('; ');
    charts.get('gap').update({
      series: [...gap, ...live], note,
      summary: (gap.length && done > 0 ? `Loss gap after ${done} of ${total} seeds: ${describe(gap)}.` : 'The first seed is still training.') + liveSummary,
    });
    const clean = metricSeries(result, 'test_clean_accuracy');
    charts.get('clean').update({
      series: clean,
      summary: clean.length && done > 0 ? `Clean test accuracy: ${clean.map((s) => `${configs.find((c) => c.key === s.key).label} ${pct(s.y[0])} → ${pct(s.y[s.y.length - 1])}`).join('; ')}.` : '',
    });
    const curves = arr(result?.curves?.bn);
    const small = curves[0];
    const large = curves.length > 1 ? curves[curves.length - 1] : null;
    charts.get('curves').update({
      series: [...lossSeries(small, (p) => `${p}-small`), ...lossSeries(large, (p) => `${p}-large`)],
      summary: small ? `Smallest batch ${small.batch_size}${large ? `, largest ${large.batch_size}` : ''}.` : 'Curves appear as the first seed trains.',
    });
    return typeof result?.takeaway === 'string' && result.takeaway ? result.takeaway : `Sweep running: ${done} of ${total} seeds done.`;
  },
  // Predict, then run (web/src/predict.js): the result's noise_effect (gap with whole-set statistics
  // minus gap with mini-batch statistics), at 64 and at 512; null until the result carries it.
  predict: {
    id: 'regularization-64-to-512',
    question: 'From a mini-batch of 64 to 512, what happens to the regularization that comes from BN\'s noise?',
    kind: 'choice',
    choices: [
      { value: 'grows', label: 'it grows' },
      { value: 'stays', label: 'it stays about the same' },
      { value: 'shrinks', label: 'it shrinks to about nothing' },
    ],
    missing: 'This build\'s result does not report the regularization from BN\'s noise (noise_effect), so the prediction cannot be scored here yet.',
    measure(result) {
      const effect = result?.noise_effect;
      const b = Array.from(arr(result?.batch_size));
      const i64 = b.indexOf(64);
      const i512 = b.indexOf(512);
      if (!effect || i64 < 0 || i512 < 0) return null;
      const at64 = arr(effect.mean)[i64];
      const full = !!arr(effect.full_batch)[i512];
      const at512 = full ? 0 : arr(effect.mean)[i512];
      if (!isNum(at64) || !isNum(at512)) return null;
      // shrinks: to under a third of its size at 64; grows: by more than half; else stays
      const value = at64 > 0 && at512 < at64 / 3 ? 'shrinks' : at512 > 1.5 * Math.max(at64, 0) ? 'grows' : 'stays';
      return { value, text: `${num(at64)} at 64, ${full ? '0 (full batch: no noise)' : num(at512)} at 512`, at64, at512, full };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 }),
    explain: (answer, m) => `In this run the regularization from BN's noise (the loss gap with whole-set statistics minus the gap with mini-batch statistics) was ${num(m.at64)} at batch 64 and ${m.full ? '0 at 512, where the batch is the whole training set' : `${num(m.at512)} at 512`}. A bigger mini-batch estimates the mean and variance more precisely, so there is less noise and less regularization; dropout's noise does not depend on the batch size.`,
  },
};
