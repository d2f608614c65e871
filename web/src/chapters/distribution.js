// Chapter 2: later layers see a steadier distribution (the lecture's plot and Ioffe & Szegedy's
// Fig. 1(b, c)).
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { ellipseOf } from '../charts/scatter-chart.js';
import { arr, batchControl, isNum, lrControl, netStyles, seedControl, sentences, takeaway } from './common.js';

const clouds = [
  { key: 'plain_z', title: 'Without BN: z[2] of two units', color: colors.vermillion, marker: 'square' },
  { key: 'bn_z', title: 'With BN, before normalizing: z[2]', color: colors.purple, marker: 'diamond' },
  { key: 'bn_z_tilde', title: 'With BN, after normalizing: z̃[2]', color: colors.blue, marker: 'circle', target: true },
];

/** @typedef {import('./chapter-types').EngineJson} EngineJson */

/** The last index whose step is at most `step`, or -1. @param {unknown} steps @param {number} step */
function indexOfStep(steps, step) {
  const a = arr(steps);
  for (let i = a.length - 1; i >= 0; i -= 1) if (a[i] <= step) return i;
  return -1;
}

// The trail up to index `end`, thinned to at most `keep` points by averaging windows.
/** @param {EngineJson} trail the result's {mean0, mean1} arrays @param {number} end @returns {import('../charts/chart-types').XY} */
function thinTrail(trail, end, keep = 160) {
  const m0 = arr(trail.mean0);
  const m1 = arr(trail.mean1);
  const n = Math.min(end + 1, m0.length);
  const w = Math.max(1, Math.ceil(n / keep));
  const x = [];
  const y = [];
  for (let i = 0; i < n; i += w) {
    let sx = 0;
    let sy = 0;
    let c = 0;
    for (let j = i; j < Math.min(i + w, n); j += 1) {
      if (Number.isFinite(m0[j]) && Number.isFinite(m1[j])) {
        sx += m0[j];
        sy += m1[j];
        c += 1;
      }
    }
    if (c) {
      x.push(sx / c);
      y.push(sy / c);
    }
  }
  return { x, y };
}

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'distribution',
  number: '2',
  short: 'Steadier inputs',
  title: 'Later layers see a steadier distribution',
  claim: 'As the earlier layers learn, the inputs of a later layer keep changing; batch norm holds their mean and variance fixed, so the later layer has a steadier target to learn from.',
  intro: [
    'The same network is trained twice in lock-step, with and without batch norm. We watch two hidden units of layer 2 over the current mini-batch: every dot is one example. The black trail is where the batch mean has been, the dashed ellipse is the [[one-sigma-ellipse|1-sigma ellipse]] of the cloud now.',
    'Without BN the cloud wanders and stretches as layer 1 learns. With BN the raw pre-activation z may wander too, but after normalization the cloud is pinned at (β₁, β₂) (green cross) with spread (γ₁, γ₂): whatever happens below, layer 2 sees the same [[first-two-moments]].',
    'The second plot is Ioffe and Szegedy\'s Figure 1: the [[percentile-bands|15th, 50th and 85th percentiles]] of one last-layer unit over training, on a fixed set of inputs. Its drift is the largest move of a percentile, in units of the band\'s initial width (85th minus 15th).',
  ],
  evidence: {
    title: 'Is it really covariate shift?',
    paragraphs: [
      'These plots show that BN steadies the first two moments of a layer\'s inputs. Whether that steadiness is why BN helps is contested: Santurkar et al. (2018) measured the shift through the gradients and found BN does not reduce it. The last chapter runs their measurement on these networks.',
    ],
    link: { href: '#ics', text: 'Go to the evidence: "Is it really internal covariate shift?"' },
  },
  controls: [
    lrControl([0.01, 0.03, 0.1, 0.3, 1]),
    batchControl(),
    { key: 'activation', label: 'Activation', kind: 'choice', options: ['sigmoid', 'tanh', 'relu'], path: 'model.activation', fallback: 'sigmoid' },
    seedControl,
  ],
  stepFraction: 0.02,
  charts: [
    ...clouds.map(/** @returns {import('./chapter-types').ChartDef} */ (c) => ({
      id: c.key, kind: 'scatter', group: 'clouds', title: c.title, color: c.color, marker: c.marker,
      x: { label: 'unit 1' }, y: { label: 'unit 2' }, maxSize: 360,
      // The green cross is named in the intro and the summary, not in a fourth legend row, so the
      // three clouds keep one title line and three legend rows each and their plots line up.
      targetLabel: null,
    })),
    {
      id: 'percentiles', title: 'One unit of the last hidden layer: 15th, 50th, 85th percentiles',
      description: 'Input to the nonlinearity on a fixed probe set, over training (Ioffe & Szegedy 2015, Fig. 1 b-c).',
      x: { label: 'training step' }, y: { label: 'pre-activation value' },
      series: [
        { key: 'plain', ...netStyles.plain, label: 'without BN: median, band 15th-85th', band: true },
        { key: 'bn', ...netStyles.bn, label: 'with BN: median, band 15th-85th', band: true },
      ],
    },
    {
      id: 'loss', title: 'Mini-batch loss', x: { label: 'training step' }, y: { label: 'loss (log scale)', log: true, cap: 20 },
      series: [{ key: 'plain', ...netStyles.plain }, { key: 'bn', ...netStyles.bn }],
    },
  ],
  render(result, charts) {
    const frames = arr(result?.frames);
    const frame = frames[frames.length - 1];
    const units = arr(result?.units);
    const layer = result?.layer ?? 2;
    for (const c of clouds) {
      const chart = charts.get(c.key);
      const trail = result?.trails?.[c.key];
      const drift = result?.drift?.[c.key];
      if (!trail || !frame) {
        chart.update({ points: { x: [], y: [] }, summary: 'Waiting for the first frame…' });
        continue;
      }
      const i = indexOfStep(trail.step, frame.step);
      const pts = frame[c.key] || [];
      const ellipse = i >= 0 ? ellipseOf(trail.mean0[i], trail.mean1[i], trail.var0[i], trail.cov01[i], trail.var1[i]) : null;
      let target = null;
      if (c.target && result?.bn_params) {
        const j = indexOfStep(result.bn_params.step, frame.step);
        if (j >= 0) target = { x: result.bn_params.beta0[j], y: result.bn_params.beta1[j] };
      }
      const driftText = drift ? `mean moved ${num(drift.mean)} (${num(drift.mean_in_sd)} of its initial spread), spread changed up to ${pct(drift.std, 0)}` : '';
      chart.update({
        points: { x: arr(pts[0]), y: arr(pts[1]) },
        trail: i >= 0 ? thinTrail(trail, i) : null,
        ellipse,
        target,
        summary: `Step ${int(frame.step)}, units ${units.map((u) => u + 1).join(' and ')} of layer ${layer}: ${driftText || 'no drift measured yet'}.${c.target ? ' z̃ = γ ẑ + β; the green cross is (β₁, β₂), where BN puts the mean.' : ''}`,
      });
    }
    const pc = result?.percentiles || {};
    const band = (/** @type {string} */ key) => {
      const p = pc[key] || {};
      return { key, x: arr(p.step), y: arr(p.p50), lo: arr(p.p15), hi: arr(p.p85) };
    };
    // Two measures of the same kind, named apart: the shown unit's drift, and the mean over all
    // units of that layer (the takeaway of old quoted the second beside a caption of the first).
    const bd = result?.band_drift || {};
    const ba = result?.band_drift_all_units || {};
    const probeUnit = result?.probe_unit ?? 0;
    const probeLayer = result?.probe_layer ?? '';
    const allText = isNum(ba.plain) && isNum(ba.bn) ? ` Mean over all units of layer ${probeLayer}: without BN ${num(ba.plain)}, with BN ${num(ba.bn)}.` : '';
    charts.get('percentiles').update({
      series: ['plain', 'bn'].map(band),
      summary: isNum(bd.plain) && isNum(bd.bn)
        ? `Percentile drift of unit ${probeUnit + 1} of layer ${probeLayer} (largest move of a percentile / initial band width): without BN ${num(bd.plain)}, with BN ${num(bd.bn)}.${allText}`
        : 'Percentiles appear as training runs.',
    });
    const bl = result?.batch_loss || {};
    const div = result?.diverged_at || {};
    charts.get('loss').update({
      series: ['plain', 'bn'].map((key) => ({ key, x: arr(bl.step), y: arr(bl[key]), diverged: isNum(div[key]) })),
      summary: ['plain', 'bn'].map((key) => `${netStyles[key].label}: ${isNum(div[key]) ? `diverged at step ${int(div[key])}` : `test accuracy ${pct(result?.test_accuracy?.[key])}`}`).join('; ') + '.',
    });
    // The question: does a later layer see a steadier distribution with BN? Answered by how far
    // the batch mean of layer `layer` moved, in units of its initial spread, as the clouds show.
    const drift = result?.drift || {};
    const plainDrift = drift.plain_z;
    const bnDrift = drift.bn_z_tilde;
    if (!frame || !plainDrift || !bnDrift) return typeof result?.takeaway === 'string' ? result.takeaway : '';
    const headline = `Over ${int(frame.step)} steps the batch mean of layer ${layer}'s two units moved ${num(plainDrift.mean_in_sd)} of its initial spread without BN, and ${num(bnDrift.mean_in_sd)} after BN's normalization.`;
    const details = [
      drift.bn_z ? `In the BN net the raw z before normalizing moved ${num(drift.bn_z.mean_in_sd)} of its initial spread${drift.bn_z.mean_in_sd > bnDrift.mean_in_sd ? `: BN does not stop z from wandering, it takes the wandering out before layer ${layer} sees it` : ''}.` : '',
      isNum(bd.plain) && isNum(bd.bn) ? `Percentile drift of unit ${probeUnit + 1} of layer ${probeLayer}: without BN ${num(bd.plain)}, with BN ${num(bd.bn)} initial band widths.${allText}` : '',
      ['plain', 'bn'].every((k) => isNum(result?.test_accuracy?.[k])) ? `Test accuracy: without BN ${pct(result.test_accuracy.plain)}, with BN ${pct(result.test_accuracy.bn)}.` : '',
      ...sentences(result?.takeaway).filter((t) => /diverged/.test(t)),
    ];
    return takeaway(headline, details);
  },
  // Predict, then run (web/src/predict.js): how far a hidden layer's distribution drifts.
  predict: {
    id: 'distribution-drift',
    question: 'During training, the distribution of a hidden layer\'s values (its percentiles) moves as earlier layers learn. With BN, does it move less, about the same, or more than without BN?',
    kind: 'choice',
    choices: [
      { value: 'less', label: 'less with BN' },
      { value: 'same', label: 'about the same' },
      { value: 'more', label: 'more with BN' },
    ],
    measure(result) {
      const bd = result?.band_drift;
      if (!isNum(bd?.plain) || !isNum(bd?.bn) || !(bd.plain > 0)) return null;
      const value = bd.bn < bd.plain / 1.5 ? 'less' : bd.bn > bd.plain * 1.5 ? 'more' : 'same';
      return { value, text: `percentile drift ${num(bd.plain)} without BN, ${num(bd.bn)} with BN`, plain: bd.plain, bn: bd.bn };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 }),
    explain: (answer, m) => `The largest move of a percentile, in units of the initial band width, was ${num(m.plain)} without BN and ${num(m.bn)} with BN in this run. BN fixes each unit's mean and variance over the batch to β and γ, so the later layer sees a steadier distribution; only β and γ, which are learnt slowly, move it.`,
  },
};
