// Chapter 3b: BN regularizes slightly, and less with bigger batches (protocol P1).
// The claim isolated: the same BN net with noisy mini-batch statistics ("bn") against noise-free
// whole-training-set statistics ("bn_population"), same seed, data and batch order;
// the regularization from BN's noise = gap(bn_population) − gap(bn) (the result's noise_effect),
// beside dropout's effect = gap(none) − gap(dropout), which does not depend on the batch size.
import { numberScore } from '../predict.js';
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, isNum, seedControl } from './common.js';
import precomputedSweep from './regularization-precomputed.js';

/** @typedef {import('./chapter-types').EngineJson} EngineJson */
/** @typedef {import('./chapter-types').Values} Values */
/** @typedef {import('./chapter-types').Visit} Visit */
/** @typedef {import('../charts/chart-types').LineSeries} LineSeries */
/** @typedef {import('../charts/chart-types').SeriesStyle} SeriesStyle */
/** @typedef {import('../charts/chart-types').MarkerShape} MarkerShape */
/** A live arm: `short` names it in the texts; markers for its training and test lines. @typedef {{ key: string, label: string, short: string, color: string, markers: MarkerShape[] }} Arm */
/** The live runs' results, one per spec (null until it has one). @typedef {Array<EngineJson | null>} Parts */
/**
 * An effect at one batch size: mean over seeds, 95% half-width, seeds measured, full batch.
 * @typedef {{ batch: number, mean: number, hw: number, n: number, full: boolean }} EffectPoint
 */
/** @typedef {{ series: LineSeries, full: number[], at: EffectPoint[] }} Effect */

const configs = [
  { key: 'none', label: 'no regularization', color: colors.black, dash: '4 2', marker: 'cross' },
  { key: 'bn', label: 'BN', color: colors.blue, dash: '', marker: 'circle' },
  { key: 'bn_population', label: 'BN, whole-set statistics', color: colors.purple, dash: '9 3 2 3', marker: 'diamond' },
  { key: 'dropout', label: 'dropout', color: colors.vermillion, dash: '7 4', marker: 'square' },
  { key: 'bn_dropout', label: 'BN + dropout', color: colors.green, dash: '2 3', marker: 'triangle' },
];
const labelOf = (/** @type {string} */ key) => configs.find((c) => c.key === key)?.label || key;
const batchAxis = { label: 'mini-batch size (log scale)', log: true, ticks: [16, 32, 64, 128, 256, 512, 1024, 2048], tickFormat: (/** @type {number} */ v) => String(v) };

// The live arms: the same seed, data and batch order; BN with mini-batch statistics, BN with the
// whole training set's statistics (no batch noise), and no BN. `short` names them in the texts.
/** @type {Arm[]} */
const arms = [
  { key: 'none', label: 'no BN', short: 'no BN', color: colors.black, markers: ['square', 'cross'] },
  { key: 'bn', label: 'BN, mini-batch statistics', short: 'BN', color: colors.blue, markers: ['circle', 'triangle'] },
  { key: 'bn_population', label: 'BN, whole-set statistics', short: 'whole-set BN', color: colors.purple, markers: ['diamond', 'square'] },
];
const effectSeries = [
  { key: 'noise', label: "BN's noise: gap of whole-set BN − gap of mini-batch BN (over seeds, 95% intervals)", color: colors.blue, dash: '', marker: 'circle' },
  { key: 'dropout', label: "dropout: gap without − gap with dropout (over seeds, 95% intervals)", color: colors.vermillion, dash: '7 4', marker: 'square' },
  { key: 'visit-noise', label: "BN's noise, your slider visits (one seed)", color: colors.blue, dash: '1 3', marker: 'diamond' },
];
const visitSeries = [
  { key: 'visit-none', label: 'no regularization, live (one seed)', color: colors.black, dash: '1 3', marker: 'square' },
  { key: 'visit-bn', label: 'BN, live (one seed)', color: colors.blue, dash: '1 3', marker: 'diamond' },
  { key: 'visit-bn_population', label: 'BN, whole-set statistics, live (one seed)', color: colors.purple, dash: '1 3', marker: 'triangle' },
];
// Regions are the two predicted labels; points are the training labels the net saw, with the
// flipped ones drawn in another shape (colour = the label the net was taught).
const regionClasses = ['label 0', 'label 1'];
const pointClasses = [
  { label: 'label 0', color: colors.blue, marker: 'circle' },
  { label: 'label 1', color: colors.vermillion, marker: 'square' },
  { label: 'label 0, flipped (truly label 1)', color: colors.blue, marker: 'triangle' },
  { label: 'label 1, flipped (truly label 0)', color: colors.vermillion, marker: 'diamond' },
];
const regionDescription = 'The training set as the net saw it. Colour is the label it was taught; circles and squares are correct labels, triangles and diamonds are the flipped ones. A region around a flipped point means the net [[memorized]] it.';
const regionArms = ['bn', 'bn_population'];
/** @type {import('./chapter-types').ChartDef[]} */
const regionCharts = regionArms.map((key) => ({
  id: `regions-${key}`, kind: 'field', group: 'regions', title: `Decision regions: ${/** @type {Arm} */ (arms.find((a) => a.key === key)).label}`,
  description: regionDescription, classes: regionClasses, pointClasses, x: { label: 'x0' }, y: { label: 'x1' },
}));

// Loss over epochs, training and test, for one group of lines; `key(part)` and `label(part)` name
// each from 'train' / 'test'. lossLines declares them (training solid, test dashed, one colour),
// lossSeries draws one curve of a result ({epoch, train_loss, test_loss}; none without a curve).
const lossParts = [['train', '', 'train_loss'], ['test', '6 3', 'test_loss']];
/** @type {(color: string, key: (part: string) => string, label: (part: string) => string, markers: MarkerShape[]) => SeriesStyle[]} */
const lossLines = (color, key, label, markers) => lossParts.map(([part, dash], i) => ({ key: key(part), label: label(part), color, dash, marker: markers[i] }));
/** @type {(curve: EngineJson, key: (part: string) => string) => LineSeries[]} */
const lossSeries = (curve, key) => (curve ? lossParts.map(([part, , field]) => ({ key: key(part), x: arr(curve.epoch), y: arr(curve[field]) })) : []);

const first = (/** @type {EngineJson} */ metric) => arr(metric?.mean)[0];

// The entry of config `key` from whichever live run carries it (one run per config).
/** @param {Parts | null | undefined} parts @param {string} key @returns {EngineJson} */
function partOf(parts, key) {
  return (parts || []).find((p) => p?.configs?.[key]) || null;
}

/** @type {(visits: Map<number, Visit> | undefined) => Visit[]} */
const sortedVisits = (visits) => [...(visits?.values() || [])].sort((a, b) => a.key - b.key);

/** @param {Map<number, Visit> | undefined} visits @returns {LineSeries[]} */
function visitPoints(visits) {
  const list = sortedVisits(visits);
  return arms.map((c) => {
    const kept = list.filter((v) => isNum(v.gap[c.key]));
    return { key: `visit-${c.key}`, x: kept.map((v) => v.key), y: kept.map((v) => v.gap[c.key]) };
  }).filter((s) => s.x.length);
}

/** The training set's size: the run's, else the control's. @param {Values} values @param {Parts} parts @returns {number} */
function nTrain(values, parts) {
  const fromRun = parts?.find((p) => p?.spec)?.spec?.data?.n_train;
  return fromRun || values.ntrain;
}

/** @type {(mean: ArrayLike<number>, hw: ArrayLike<number>) => { errLo: number[], errHi: number[] }} */
const withErr = (mean, hw) => ({
  errLo: Array.from(mean, (v, i) => (isNum(hw[i]) && hw[i] > 0 ? v - hw[i] : NaN)),
  errHi: Array.from(mean, (v, i) => (isNum(hw[i]) && hw[i] > 0 ? v + hw[i] : NaN)),
});

/** @param {EngineJson} result @param {string} field @returns {Array<LineSeries & { x: number[], y: number[] }>} */
function metricSeries(result, field) {
  const b = arr(result?.batch_size);
  return configs.filter((c) => result?.configs?.[c.key]).map((c) => {
    const m = result.configs[c.key][field] || {};
    const mean = arr(m.mean);
    return { key: c.key, x: b, y: mean, ...withErr(mean, arr(m.half_width)) };
  });
}

// One effect of the result (noise_effect / dropout_effect) as a series; full-batch sizes are left
// out (no value there by construction) and returned as marks instead.
/** @param {EngineJson} result @param {string} field @param {string} key @returns {Effect | null} */
function effectOf(result, field, key) {
  const e = result?.[field];
  if (!e) return null;
  const b = arr(result.batch_size);
  const full = arr(e.full_batch);
  const mean = Array.from(arr(e.mean), (v) => (isNum(v) ? v : NaN));
  const hw = arr(e.half_width);
  const keep = b.map((_, i) => !(field === 'noise_effect' && full[i]));
  return {
    series: { key, x: b.filter((_, i) => keep[i]), y: mean.filter((_, i) => keep[i]), ...withErr(mean.filter((_, i) => keep[i]), hw.filter((_, i) => keep[i])) },
    full: b.filter((_, i) => full[i]),
    at: b.map((batch, i) => ({ batch, mean: mean[i], hw: hw[i], n: arr(e.n)[i], full: !!full[i] })),
  };
}

// Effects are differences of losses around 0.01-0.04: three decimals (no exponent for small ones).
const eff = (/** @type {unknown} */ v) => (isNum(v) ? v.toFixed(3).replace('-', '−') : '—');
const plusMinus = (/** @type {EffectPoint} */ p) => `${eff(p.mean)}${isNum(p.hw) && p.hw > 0 ? ` ± ${eff(p.hw)}` : ''}`;
const fullText = 'full batch, no noise';

// The headline sentence from the noise effect: the smallest batch, the largest measured one, and
// the full batch (no noise) when the sweep reaches it. Every number is also in the chart's summary.
/** @param {Effect} noise @param {string} source how the sentence starts */
function headlineOf(noise, source) {
  const measured = noise.at.filter((p) => !p.full && isNum(p.mean));
  if (!measured.length) return '';
  const lo = measured[0];
  const hi = measured.length > 1 ? measured[measured.length - 1] : null;
  const full = noise.at.find((p) => p.full);
  const cut = (/** @type {EffectPoint} */ p, /** @type {boolean} */ lead) => (p.mean > 0 ? `${lead ? 'cut the overfitting gap ' : ''}by ${eff(p.mean)} at ${lead ? 'batch ' : ''}${p.batch}` : `${lead ? 'did not cut the overfitting gap ' : ''}at ${lead ? 'batch ' : ''}${p.batch} (${eff(p.mean)})`);
  let text = `${source} BN's noise ${cut(lo, true)}`;
  if (hi) text += `${full ? ',' : ' and'} ${cut(hi, false)}`;
  if (full) text += ` and by nothing at ${full.batch}, where the mini-batch is the whole training set (no noise)`;
  return `${text}.`;
}

const precomputedNote = (/** @type {EngineJson} */ r) => `Precomputed (preset, ${r?.seeds_done ?? '?'} seeds) — press Run to compute your own.`;

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'regularization',
  number: '3b',
  short: 'Regularization',
  title: 'BN regularizes slightly, less with bigger batches',
  claim: 'Because its statistics are noisy, batch norm has a slight regularizing effect; with bigger mini-batches the noise and the effect shrink.',
  // The chapter's answer first: the noise's regularization against the batch size, under the claim.
  lead: 'noise',
  intro: [
    'Two moons with 30% of the training labels flipped: a net that learns the flipped labels by heart ([[memorized|memorizes]] them) [[overfitting|overfits]]. The [[loss-gap|loss gap]] (test loss minus training loss, on data with the same label noise) measures it: larger = more overfitting.',
    'To see what BN\'s noise does, the same BN net (2-32-32-2) is trained twice with everything else equal — same seed, data and order of the batches: once normalizing with [[mini-batch-statistics|mini-batch statistics]] (standard BN: noisy), once with [[whole-set-statistics|whole-set statistics]] (the mean and variance of all training examples: no noise). The regularization from BN\'s noise is gap(whole-set BN) − gap(mini-batch BN). The lecture says it shrinks as the mini-batch grows from 64 to 512; dropout\'s effect, gap(no dropout) − gap(dropout), does not depend on the batch size.',
    'The training set has 512 examples by default, so a batch of 512 is the whole set ([[full-batch|full batch]]): both nets then compute the same thing and there is no noise to measure. A bigger training set makes 512 a real mini-batch again.',
  ],
  pooled: true,
  // Shown in the sweep charts until the student's own run has a result (the panel draws it marked).
  precomputed: precomputedSweep,
  live: {
    heading: 'Live: drag the mini-batch size',
    intro: ['One seed, three nets side by side (same data, same batch order): BN with mini-batch statistics, BN with whole-set statistics, and no BN. Their loss curves, the decision regions of the two BN nets with the flipped labels marked, and how many flipped labels each has memorized. Every size you visit adds its point to the noise-effect chart below.'],
    debounceMs: 150,
    specs(sweep, values) {
      // An engine without the noise-free arm (before issue 16) trains the old pair.
      const wanted = arr(sweep.configs).includes('bn_population') ? arms : arms.filter((a) => a.key !== 'bn_population');
      return wanted.map((c) => {
        const spec = JSON.parse(JSON.stringify(sweep));
        spec.seeds = 1;
        spec.configs = [c.key];
        spec.batch_sizes = [values.batch];
        spec.eval_every = 20; // 20 curve points; every 10 epochs costs ~40% more per run
        // Decision regions of the two BN nets, from engines that know the field (issue 7).
        if ('grid' in sweep) spec.grid = regionArms.includes(c.key) ? 48 : 0;
        return spec;
      });
    },
    pending: (values) => `Training the three nets at batch ${values.batch}…`,
    // Decision regions only from an engine that can draw them (its specs have "grid").
    charts: (preset) => [
      {
        id: 'live-curves', title: 'Training and test loss at this batch size',
        description: 'Training loss below test loss is the overfitting; the gap at the end is the point added below.',
        x: { label: 'epoch' }, y: { label: 'loss' },
        series: arms.flatMap((a) => lossLines(a.color, (p) => `${a.key}-${p}`, (p) => `${a.label}, ${p}`, a.markers)),
      },
      ...('grid' in (preset || {}) ? regionCharts : []),
    ],
    render(parts, charts, { values, done }) {
      const batch = values.batch;
      const n = nTrain(values, parts);
      const series = arms.flatMap((c) => lossSeries(arr(partOf(parts, c.key)?.curves?.[c.key])[0], (p) => `${c.key}-${p}`));
      const gap = Object.fromEntries(arms.map((c) => [c.key, first(partOf(parts, c.key)?.configs?.[c.key]?.gap)]));
      const mem = Object.fromEntries(arms.map((c) => [c.key, first(partOf(parts, c.key)?.configs?.[c.key]?.memorized)]));
      const pop = isNum(gap.bn_population) ? `, with whole-set BN ${num(gap.bn_population)}` : '';
      charts.get('live-curves').update({
        series,
        summary: done && isNum(gap.none) && isNum(gap.bn) ? `Batch ${batch}: loss gap without BN ${num(gap.none)}, with BN ${num(gap.bn)}${pop}.` : `Training at batch ${batch}…`,
      });
      for (const key of regionArms) {
        const part = partOf(parts, key);
        const grid = arr(part?.regions?.[key])[0];
        const chart = charts.get(`regions-${key}`);
        if (!chart || !grid) continue;
        const tp = part.train_points;
        const points = tp ? {
          x0: arr(tp.x0), x1: arr(tp.x1),
          label: Array.from(arr(tp.label), (l, k) => l + (arr(tp.flipped)[k] ? 2 : 0)),
        } : null;
        chart.update({
          grid: { n: grid.n, lo: grid.lo, hi: grid.hi, cls: arr(grid.class), conf: arr(grid.confidence) },
          points,
          summary: isNum(mem[key]) ? `${/** @type {Arm} */ (arms.find((a) => a.key === key)).label}: ${pct(mem[key], 0)} of the flipped training labels predicted as flipped (memorized).` : '',
        });
      }
      if (!done) return `Training the three nets at batch ${batch}…`;
      const full = batch >= n;
      const fullNote = full ? ` Batch ${batch} is the whole ${int(n)}-example training set: full-batch BN, no batch noise, so both BN nets are the same net.` : ` (${int(n)} training examples.)`;
      const noise = !full && isNum(gap.bn) && isNum(gap.bn_population)
        ? `BN's noise changed the gap by ${eff(gap.bn_population - gap.bn)} (whole-set BN ${num(gap.bn_population)} − mini-batch BN ${num(gap.bn)}). ` : '';
      const memText = isNum(mem.none) && isNum(mem.bn)
        ? `Memorized flipped labels: no BN ${pct(mem.none, 0)}, BN ${pct(mem.bn, 0)}${isNum(mem.bn_population) ? `, whole-set BN ${pct(mem.bn_population, 0)}` : ''}. ` : '';
      const gapText = isNum(gap.none) && isNum(gap.bn) ? `Loss gap: no BN ${num(gap.none)}, BN ${num(gap.bn)}${isNum(gap.bn_population) ? `, whole-set BN ${num(gap.bn_population)}` : ''}.` : '';
      return `Batch ${batch}: ${noise}${memText}${gapText}${fullNote}`;
    },
    visit(parts, values) {
      /** @type {Record<string, number>} */
      const gap = {};
      /** @type {Record<string, number>} */
      const memorized = {};
      for (const c of arms) {
        const entry = partOf(parts, c.key)?.configs?.[c.key];
        gap[c.key] = first(entry?.gap);
        memorized[c.key] = first(entry?.memorized);
      }
      const full = values.batch >= nTrain(values, parts);
      const noise = !full && isNum(gap.bn) && isNum(gap.bn_population) ? gap.bn_population - gap.bn : NaN;
      return { key: values.batch, gap, memorized, noise, full };
    },
  },
  sweepHeading: 'The full sweep: every configuration, 64 to 512, over seeds',
  controls: [
    { key: 'batch', label: 'Mini-batch size', kind: 'integer', slider: true, live: true, min: 64, max: 512, step: 32, read: () => 64, fallback: 64, unit: 'examples', hint: 'The learning rate scales with it (0.05 × batch / 512).' },
    { key: 'ntrain', label: 'Training-set size', kind: 'choice', options: [512, 1024, 2048], path: 'data.n_train', fallback: 512, hint: 'At 512, batch 512 is the whole set (full batch, no noise); a bigger set makes it a real mini-batch. The whole-set BN net processes every example at every step: n ÷ batch times the work of a mini-batch net (32× at 2048 and batch 64), so at 2048 a sweep takes about 10× as long and fits at most 5 seeds.' },
    { key: 'seeds', label: 'Seeds', kind: 'choice', options: [1, 2, 3, 5, 8, 10], path: 'seeds', fallback: 5, hint: 'More seeds: tighter intervals, longer run.' },
    { key: 'epochs', label: 'Epochs', kind: 'choice', options: [100, 200, 400, 800], path: 'epochs', fallback: 400 },
    { key: 'mode', label: 'BN statistics while training', kind: 'choice', options: [{ value: 'batch', label: 'the SGD mini-batch (standard)' }, { value: 'ghost', label: 'ghost batches (full-batch SGD)' }, { value: 'population', label: 'whole training set (no BN noise)' }], path: 'mode', fallback: 'batch', hint: 'Of the net called BN. Standard: the chapter\'s comparison. Ghost batches: one gradient step per pass over the whole set, BN over groups of the batch size (BN\'s noise without the noise of SGD). Whole training set: both BN nets are noise-free, so their difference is zero.' },
    seedControl,
  ],
  stepFraction: 0.01,
  charts: [
    {
      id: 'noise', title: "Regularization from BN's noise, beside dropout's", dodge: 7,
      description: "How much less the net [[overfitting|overfits]] because of the noise: gap of BN with [[whole-set-statistics|whole-set statistics]] minus gap of the same BN net with [[mini-batch-statistics|mini-batch statistics]] (same seed, data and batch order). Above 0 = the noise regularized. Dropout's effect (gap without minus gap with dropout) for comparison. Mean over seeds with 95% intervals; dotted: your slider visits (one seed each).",
      x: batchAxis, y: { label: 'gap reduction (loss)', zero: true }, series: effectSeries,
    },
    {
      id: 'gap', title: 'Overfitting: test loss − training loss (BN vs no BN)', dodge: 7,
      description: 'Mean over seeds with 95% intervals; same label noise in both sets. BN alone can overfit more than no BN: see the box below the takeaway.',
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
  /** @param {EngineJson} result @param {import('./chapter-types').ChapterCharts} charts @param {Partial<import('./chapter-types').RenderContext>} [view] */
  render(result, charts, { visits, precomputed = false } = {}) {
    const list = sortedVisits(visits);
    const live = visitPoints(visits);
    const liveSummary = list.length ? ` Live points (one seed): ${list.map((v) => `${v.key}: BN ${num(v.gap.bn)}, no BN ${num(v.gap.none)}`).join('; ')}.` : '';
    const liveNoise = list.filter((v) => !v.full && isNum(v.noise));
    const liveFull = list.filter((v) => v.full).map((v) => v.key);
    const liveNoiseSeries = liveNoise.length ? [{ key: 'visit-noise', x: liveNoise.map((v) => v.key), y: liveNoise.map((v) => v.noise) }] : [];
    const liveNoiseSummary = list.some((v) => v.full || isNum(v.noise))
      ? ` Your slider visits (one seed): ${list.filter((v) => v.full || isNum(v.noise)).map((v) => `${v.key}: ${v.full ? fullText : eff(v.noise)}`).join('; ')}.` : '';
    // The student's own run once it has a seed done; before that, the precomputed preset sweep.
    const own = result && !precomputed && (result.seeds_done ?? 0) > 0;
    const shown = own ? result : (precomputed ? result : (precomputedSweep || null));
    const isPre = !own && !!shown;
    const running = result && !precomputed && !own;
    const pending = running ? ' Your run: the first seed is still training.' : '';
    const b = arr(shown?.batch_size);
    const done = shown?.seeds_done ?? 0;
    const total = shown?.spec?.seeds ?? '?';
    const cur = own ? result?.current : null;
    const progressNote = cur ? `Now training seed ${cur.seed}, ${labelOf(cur.config)}, batch ${cur.batch_size}, epoch ${int(cur.epoch)} · ${int(result.runs_done)} of ${int(result.runs_total)} runs done` : '';
    const note = isPre ? `${precomputedNote(shown)}${pending}` : progressNote;
    const source = isPre ? `Precomputed (preset, ${done} seeds)` : `Your run, ${done} of ${total} seeds`;

    // The headline chart: the two effects over batch size, full batch marked, the slider's points.
    const noise = effectOf(shown, 'noise_effect', 'noise');
    const dropout = effectOf(shown, 'dropout_effect', 'dropout');
    const fullMarks = [...new Set([...(noise?.full || []), ...liveFull])].map((x) => ({ x, label: 'full batch: no noise' }));
    const noiseText = noise ? `BN's noise cut the gap by ${noise.at.map((p) => (p.full ? `nothing at ${p.batch} (${fullText})` : `${plusMinus(p)} at ${p.batch}`)).join(', ')}.` : '';
    const dropoutText = dropout ? ` Dropout's effect: ${dropout.at.map((p) => `${plusMinus(p)} at ${p.batch}`).join(', ')}.` : '';
    charts.get('noise').update({
      series: [...(noise ? [noise.series] : []), ...(dropout ? [dropout.series] : []), ...liveNoiseSeries],
      vmarks: fullMarks,
      hlines: [],
      note,
      summary: (noise || dropout ? `${source}: ${noiseText}${dropoutText}` : (shown ? 'This run has no noise-free arm (configs without bn_population).' : 'Press Run for the full sweep with intervals.')) + liveNoiseSummary,
    });

    const gap = metricSeries(shown, 'gap');
    const describe = (/** @type {LineSeries[]} */ series) => series.map((s) => `${labelOf(s.key)}: ${num(s.y[0])} at ${b[0]} → ${num(s.y[s.y.length - 1])} at ${b[b.length - 1]}`).join('; ');
    const gapLead = isPre ? `${precomputedNote(shown)} Loss gap` : `Loss gap after ${done} of ${total} seeds`;
    charts.get('gap').update({
      series: [...gap, ...live], note,
      summary: (gap.length && done > 0 ? `${gapLead}: ${describe(gap)}.` : 'Press Run for the full sweep with intervals.') + liveSummary,
    });
    const clean = metricSeries(shown, 'test_clean_accuracy');
    charts.get('clean').update({
      series: clean, note,
      summary: clean.length && done > 0 ? `${isPre ? 'Precomputed: c' : 'C'}lean test accuracy: ${clean.map((s) => `${labelOf(s.key)} ${pct(s.y[0])} → ${pct(s.y[s.y.length - 1])}`).join('; ')}.` : '',
    });
    const curves = arr(shown?.curves?.bn);
    const small = curves[0];
    const large = curves.length > 1 ? curves[curves.length - 1] : null;
    charts.get('curves').update({
      series: [...lossSeries(small, (p) => `${p}-small`), ...lossSeries(large, (p) => `${p}-large`)], note,
      summary: small ? `${isPre ? 'Precomputed, s' : 'S'}mallest batch ${small.batch_size}${large ? `, largest ${large.batch_size}` : ''}.` : 'Curves appear as the first seed trains.',
    });
    if (!shown) return '';
    if (!noise) return typeof shown.takeaway === 'string' && shown.takeaway ? shown.takeaway : `Sweep running: ${done} of ${total} seeds done.`;

    // The takeaway: one sentence from the noise effect, the rest in details, the BN-vs-no-BN box.
    const headline = headlineOf(noise, isPre ? `In the precomputed sweep (${done} seeds),` : 'Here');
    const bnGap = gap.find((s) => s.key === 'bn');
    const noneGap = gap.find((s) => s.key === 'none');
    const above = bnGap && noneGap ? bnGap.y.filter((v, i) => isNum(v) && isNum(noneGap.y[i]) && v > noneGap.y[i]).length : 0;
    const details = [
      noiseText && `${source}: ${noiseText}`,
      dropoutText && dropoutText.trim(),
      gap.length && `Loss gap: ${describe(gap)}.`,
      typeof shown.takeaway === 'string' ? `Engine summary: ${shown.takeaway}` : '',
      isPre ? precomputedNote(shown) : '',
    ].filter(Boolean);
    const callout = bnGap && noneGap && above > 0 ? {
      title: 'Why BN overfits more than no BN here',
      text: `BN's loss gap is above the plain net's at ${above} of ${b.length} batch sizes (${num(bnGap.y[0])} vs ${num(noneGap.y[0])} at ${b[0]}): BN also makes the net fit faster, so in the same epochs it memorizes more of the flipped labels, and that outweighs its slight regularization. That is why the noise is measured against the same BN net with whole-set statistics, not against no BN.`,
    } : undefined;
    return { headline: headline || `${source}.`, details, ...(callout ? { callout } : {}) };
  },
  // Predict, then run (web/src/predict.js): the result's noise_effect (gap with whole-set statistics
  // minus gap with mini-batch statistics) at 512 as a multiple of that at 64, placed on a chart
  // (charts/predict-point.js); null until the result carries it with a positive value at 64.
  predict: {
    id: 'regularization-64-to-512',
    question: 'The regularization that comes from BN\'s noise at a mini-batch of 64 is 1. How big is it at 512 (as a multiple of that at 64)?',
    kind: 'number',
    range: { min: -0.5, max: 1.5, unit: '×', step: 0.05 },
    point: { x: 512, xText: 'a mini-batch of 512', xLabel: 'mini-batch size (log scale)', yLabel: 'regularization (× at 64)', xDomain: [45, 720], xLog: true, xTicks: [64, 128, 256, 512], given: [{ x: 64, y: 1, label: '1 at 64' }], keyStep: 0.05 },
    missing: 'This run gives no positive regularization from BN\'s noise at a batch of 64 (or lacks 64 or 512), so there is nothing to compare 512 with: more seeds or epochs help.',
    measure(result, context = {}) {
      const effect = result?.noise_effect;
      const b = Array.from(arr(result?.batch_size));
      const i64 = b.indexOf(64);
      const i512 = b.indexOf(512);
      if (!effect || i64 < 0 || i512 < 0) return null;
      const mean = arr(effect.mean);
      const full = arr(effect.full_batch);
      const at64 = mean[i64];
      const fullAt512 = !!full[i512];
      const at512 = fullAt512 ? 0 : mean[i512];
      if (!isNum(at64) || !(at64 > 0) || !isNum(at512)) return null;
      const value = Math.round((at512 / at64) * 1000) / 1000;
      const curve = b.map((size, i) => ({ x: size, y: full[i] ? 0 : mean[i] / at64 })).filter((p) => isNum(p.y));
      // Before the student's own run the measurement is the page's precomputed sweep: said so.
      const source = context.precomputed ? `In the precomputed sweep (${result.seeds_done ?? '?'} seeds)` : 'In this run';
      return { value, text: `${num(value)}× (${num(at64)} at 64, ${fullAt512 ? '0 at 512, the full batch' : `${num(at512)} at 512`})`, at64, at512, full: fullAt512, curve, source };
    },
    score: numberScore(0.25),
    explain: (answer, m) => `${m.source || 'In this run'} the regularization from BN's noise (the loss gap with whole-set statistics minus the gap with mini-batch statistics) was ${num(m.at64)} at batch 64 and ${m.full ? '0 at 512, where the batch is the whole training set' : `${num(m.at512)} at 512`}: ${num(Number(m.value))}× as much, against your ${num(answer)}×. A bigger mini-batch estimates the mean and variance more precisely, so there is less noise and less regularization; dropout's noise does not depend on the batch size.`,
  },
};
