// Chapter 2': input covariate shift. Train on one input distribution, test on a shifted one;
// BN with its training statistics vs AdaBN (statistics re-estimated on the shifted inputs).
import { num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, batchControl, isNum, listed, seedControl, takeaway } from './common.js';

const arms = [
  { key: 'plain', label: 'without BN', color: colors.vermillion, dash: '7 4', marker: 'square' },
  { key: 'bn_running', label: 'BN, training statistics', color: colors.blue, dash: '', marker: 'circle' },
  { key: 'bn_batch', label: 'BN, each test batch\'s statistics', color: colors.purple, dash: '9 3 2 3', marker: 'diamond' },
  { key: 'adabn', label: 'BN re-estimated on shifted inputs (AdaBN)', color: colors.green, dash: '2 3', marker: 'triangle' },
];
const shiftNames = ['none', 'translate', 'scale', 'anisotropic', 'rotate'];

/** @typedef {import('./chapter-types').EngineJson} EngineJson */

/** @param {import('./chapter-types').Values} values */
const visibleArms = (values) => arms.filter((a) => values.adabn || (a.key !== 'adabn' && a.key !== 'bn_batch'));

/** A shifted test set's transform in words. @param {EngineJson} transform @returns {string} */
function describe(transform) {
  if (!transform) return '';
  const parts = [];
  if (transform.tx || transform.ty) parts.push(`shifted by (${num(transform.tx)}, ${num(transform.ty)})`);
  if (transform.scale !== undefined && transform.scale !== 1) parts.push(`scaled ×${num(transform.scale)}`);
  if ((transform.sx ?? 1) !== 1 || (transform.sy ?? 1) !== 1) parts.push(`stretched ×${num(transform.sx)} / ×${num(transform.sy)}`);
  if (transform.rotate_deg) parts.push(`rotated ${num(transform.rotate_deg)}°`);
  return parts.join(', ') || 'unchanged';
}

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'shift',
  number: '2′',
  short: 'Input shift',
  title: 'Covariate shift of the inputs: "black cats, coloured cats"',
  claim: 'A network trained on one input distribution (black cats) does badly on a shifted one (coloured cats); normalization is said to help with such shifts.',
  intro: [
    'Two networks, with and without BN, are trained on two moons and then tested on copies of the test set that are moved, scaled, stretched ([[anisotropic|anisotropically]]: more along one axis than the other) or rotated. The weights never change after training.',
    'The measurement disagrees with the simple story: BN evaluated with its training statistics (the [[running-averages|running averages]] kept during training, the usual test-time rule) is no more robust than no BN. What helps is re-estimating BN\'s statistics on the shifted inputs ([[adabn|AdaBN]]): that exactly undoes a translation or an isotropic scale, because the first layer\'s per-unit mean and variance absorb them, but it cannot undo a rotation, which mixes the inputs differently for every unit.',
  ],
  evidence: {
    title: 'Where the measurement disagrees with the lecture',
    paragraphs: [
      'BN does not make a network robust to a shift of its inputs by itself: with the statistics it learned in training, the BN net fails on shifted inputs as badly as the plain one (compare the blue and vermillion marks below). Only re-estimating the statistics on the new inputs (AdaBN, Li et al. 2016) recovers translations and scalings, and nothing recovers a rotation.',
    ],
  },
  evidenceFirst: true,
  controls: [
    { key: 'show', label: 'Shift shown', kind: 'choice', options: shiftNames, view: true, fallback: 'translate', hint: 'Which shifted test set the decision regions show.' },
    { key: 'adabn', label: 'Re-estimate BN statistics on the shifted inputs (AdaBN)', kind: 'toggle', view: true, fallback: false },
    batchControl(),
    seedControl,
  ],
  stepFraction: 0.02,
  charts: [
    {
      id: 'accuracy', title: 'Test accuracy on each shifted test set',
      description: 'Mean over seeds; bars are 95% intervals once several seeds ran. Chance is 50%; below it, the shift has moved test points to where the other class lay in training, so the answers are inverted rather than random.',
      x: { label: 'test set', ticks: [0, 1, 2, 3, 4], domain: [-0.5, 4.5], tickFormat: (v) => shiftNames[v] ?? '' },
      y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) },
      xFormat: (v) => shiftNames[v] ?? '', yFormat: (v) => pct(v, 1), dodge: 9,
      series: arms.map((a) => ({ ...a, line: false })),
    },
    {
      id: 'sweep-translate', title: 'Accuracy as the test set moves further', group: 'sweeps',
      x: { label: 'translation distance' }, y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) },
      yFormat: (v) => pct(v, 1), series: arms,
    },
    {
      id: 'sweep-rotate', title: 'Accuracy as the test set rotates', group: 'sweeps',
      x: { label: 'rotation (degrees)' }, y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) },
      yFormat: (v) => pct(v, 1), series: arms,
    },
    { id: 'boundary-plain', kind: 'field', group: 'boundaries', title: 'Without BN, on the shifted test set', x: { label: 'x0' }, y: { label: 'x1' } },
    { id: 'boundary-bn', kind: 'field', group: 'boundaries', title: 'With BN, on the shifted test set', x: { label: 'x0' }, y: { label: 'x1' } },
  ],
  render(result, charts, { values }) {
    const shown = visibleArms(values);
    const shifts = arr(result?.shifts);
    const byName = new Map(shifts.map((s) => [s.name, s]));
    const index = (/** @type {string} */ name) => shiftNames.indexOf(name);
    const moved = shifts.filter((s) => s.name !== 'none' && index(s.name) >= 0);
    // Mean accuracy of an arm over the shifted test sets (every named one but "none").
    const meanOver = (/** @type {string} */ key) => {
      const v = moved.map((s) => s.accuracy?.[key]).filter(isNum);
      return v.length === moved.length && v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
    };
    const means = shown.filter((a) => isNum(meanOver(a.key)));
    const meanText = means.length ? ` Mean over the ${moved.length} shifted test sets: ${means.map((a) => `${a.label} ${pct(meanOver(a.key))}`).join(', ')}.` : '';
    charts.get('accuracy').update({
      series: shown.map((a) => {
        const list = shifts.filter((s) => index(s.name) >= 0);
        const acc = list.map((s) => s.accuracy?.[a.key]);
        const hw = list.map((s) => s.accuracy_half_width?.[a.key]);
        // Intervals exist only once several seeds ran; without them no error columns at all
        // (a one-seed run showed "NaN" in 20 cells of the data table).
        const bars = hw.some((h) => isNum(h) && h > 0);
        return {
          key: a.key, x: list.map((s) => index(s.name)), y: acc,
          ...(bars ? {
            errLo: acc.map((v, i) => (isNum(hw[i]) && hw[i] > 0 ? v - hw[i] : v)),
            errHi: acc.map((v, i) => (isNum(hw[i]) && hw[i] > 0 ? v + hw[i] : v)),
          } : {}),
        };
      }),
      summary: shifts.length
        ? shifts.map((s) => `${s.name}: ${shown.map((a) => `${a.label} ${pct(s.accuracy?.[a.key])}`).join(', ')}`).join('. ') + '.' + meanText
        : 'Shifted test sets are evaluated after training.',
    });
    for (const kind of ['translate', 'rotate']) {
      const sweep = arr(result?.sweeps).find((s) => s.kind === kind);
      charts.get(`sweep-${kind}`).update({
        series: sweep ? shown.map((a) => ({ key: a.key, x: arr(sweep.values), y: arr(sweep.accuracy?.[a.key]) })) : [],
        summary: sweep ? shown.map((a) => `${a.label}: ${pct(arr(sweep.accuracy?.[a.key]).at(-1))} at ${num(arr(sweep.values).at(-1))}`).join('; ') + '.' : 'The sweep runs after training.',
      });
    }
    const s = byName.get(values.show) || shifts[0];
    /** @type {(g: EngineJson) => import('../charts/chart-types').FieldGrid | null} */
    const grid = (g) => (g ? { n: g.n, lo: g.lo, hi: g.hi, cls: arr(g.class), conf: arr(g.confidence) } : null);
    const bnArm = values.adabn ? 'adabn' : 'bn_running';
    const bnChart = charts.get('boundary-bn');
    // frame.js always draws a title.
    /** @type {Element} */ (bnChart.frame.figure.querySelector('.chart-title')).textContent = values.adabn
      ? 'With BN, statistics re-estimated on the shifted inputs (AdaBN)' : 'With BN, training statistics';
    charts.get('boundary-plain').update({
      grid: grid(s?.boundary?.plain), points: s?.points,
      summary: s ? `Test set ${describe(s.transform)}: accuracy ${pct(s.accuracy?.plain)}.` : 'Shown after training.',
    });
    bnChart.update({
      grid: grid(s?.boundary?.[bnArm]), points: s?.points,
      summary: s ? `Test set ${describe(s.transform)}: accuracy ${pct(s.accuracy?.[bnArm])}.` : 'Shown after training.',
    });
    return shiftTakeaway(result, values, { byName, moved, meanOver });
  },
  // Predict, then run (web/src/predict.js): AdaBN on the rotated test set.
  predict: {
    id: 'shift-adabn-rotation',
    question: 'The test inputs are rotated. If BN re-estimates its statistics on the rotated inputs (AdaBN), does that undo the rotation?',
    kind: 'choice',
    choices: [
      { value: 'yes', label: 'yes, accuracy comes back to the unshifted level' },
      { value: 'partly', label: 'partly' },
      { value: 'no', label: 'no, it helps little or not at all' },
    ],
    measure(result) {
      const shifts = arr(result?.shifts);
      const rot = shifts.find((s) => s.name === 'rotate');
      const base = shifts.find((s) => s.name === 'none');
      const acc = (/** @type {EngineJson} */ s, /** @type {string} */ k) => s?.accuracy?.[k];
      if (!isNum(acc(rot, 'adabn')) || !isNum(acc(rot, 'bn_running')) || !isNum(acc(base, 'bn_running'))) return null;
      const lost = acc(base, 'bn_running') - acc(rot, 'bn_running');
      const regained = acc(rot, 'adabn') - acc(rot, 'bn_running');
      // yes: within 5 points of the unshifted accuracy; no: still within 10 points of chance (50%)
      // or under a third of the lost accuracy won back; partly otherwise
      const share = lost > 0.01 ? regained / lost : 1;
      const value = acc(rot, 'adabn') >= acc(base, 'bn_running') - 0.05 ? 'yes' : acc(rot, 'adabn') < 0.6 || share < 1 / 3 ? 'no' : 'partly';
      return { value, text: `rotated: ${pct(acc(rot, 'adabn'))} with AdaBN, ${pct(acc(rot, 'bn_running'))} with training statistics; unshifted ${pct(acc(base, 'bn_running'))}`,
        adabn: acc(rot, 'adabn'), running: acc(rot, 'bn_running'), base: acc(base, 'bn_running') };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : answer === 'partly' || measured.value === 'partly' ? 0.5 : 0 }),
    explain: (answer, m) => `On the rotated test set BN scored ${pct(m.adabn)} with re-estimated statistics and ${pct(m.running)} with its training statistics, against ${pct(m.base)} on unshifted inputs. Re-estimating the per-unit mean and variance can absorb a shift or a scale of the inputs, but a rotation mixes the inputs differently for every unit, which no per-unit mean and variance can undo.`,
  },
};

// The question: is BN robust to a shift of its inputs? Answered by the mean accuracy over the
// shifted test sets, BN with its training statistics against no BN (both always on the chart).
// Share of the shifted test points whose nearest training point has the other label.
/** @param {EngineJson} test @param {EngineJson} train points {x0, x1, label} */
function otherClassShare(test, train) {
  const tx = arr(test?.x0); const ty = arr(test?.x1); const tl = arr(test?.label);
  const rx = arr(train?.x0); const ry = arr(train?.x1); const rl = arr(train?.label);
  if (!tl.length || !rl.length) return NaN;
  let other = 0;
  for (let i = 0; i < tl.length; i += 1) {
    let best = Infinity;
    let label = -1;
    for (let j = 0; j < rl.length; j += 1) {
      const d = (tx[i] - rx[j]) ** 2 + (ty[i] - ry[j]) ** 2;
      if (d < best) { best = d; label = rl[j]; }
    }
    if (label !== tl[i]) other += 1;
  }
  return other / tl.length;
}

/**
 * @param {EngineJson} result @param {import('./chapter-types').Values} values
 * @param {{ byName: Map<string, EngineJson>, moved: EngineJson[], meanOver: (key: string) => number }} shifts
 *   the shifted test sets by name, those but "none", and an arm's mean accuracy over them
 * @returns {import('./chapter-types').Takeaway}
 */
function shiftTakeaway(result, values, { byName, moved, meanOver }) {
  const native = typeof result?.takeaway === 'string' ? result.takeaway : '';
  const bn = meanOver('bn_running');
  const plain = meanOver('plain');
  const div = result?.diverged_at || {};
  if (!isNum(bn) || !isNum(plain) || isNum(div.bn)) return native;
  const robust = bn > plain + 0.02;
  const headline = robust
    ? `On the ${moved.length} shifted test sets BN with its training statistics averaged ${pct(bn)}, better than the ${pct(plain)} without BN.`
    : `On the ${moved.length} shifted test sets BN with its training statistics averaged ${pct(bn)}, no better than the ${pct(plain)} without BN.`;
  const none = byName.get('none');
  const details = [];
  if (none) details.push(`Unshifted: ${arms.filter((a) => a.key === 'plain' || a.key === 'bn_running').map((a) => `${a.label} ${pct(none.accuracy?.[a.key])}`).join(', ')}.`);
  // AdaBN "restores" a shift when it comes back to within the run's tolerance of unshifted BN.
  const tol = result?.spec?.restore_tolerance ?? 0.02;
  const ref = none?.accuracy?.adabn ?? none?.accuracy?.bn_running;
  const restored = moved.filter((s) => isNum(ref) && isNum(s.accuracy?.adabn) && ref - s.accuracy.adabn <= tol).map((s) => s.name);
  const notRestored = moved.filter((s) => !restored.includes(s.name)).map((s) => s.name);
  // Below chance: check that the shift moved the test points next to training points of the other
  // class (nearest neighbour among the points shown), which is what makes the answers inverted.
  const inverted = moved.filter((s) => ['plain', 'bn_running'].every((k) => s.accuracy?.[k] < 0.45));
  for (const s of inverted) {
    const other = otherClassShare(s.points, result?.points);
    const accs = ['plain', 'bn_running'].map((k) => pct(s.accuracy[k]));
    if (isNum(other) && other > 0.5) {
      details.push(`The ${s.name} test set scores below chance (${listed(accs)}): ${describe(s.transform)}, ${pct(other, 0)} of the test points shown land next to training points of the other class, so both nets give systematically inverted answers, not random ones.`);
    }
  }
  const adabnText = values.adabn
    ? `Re-estimating the statistics on the shifted inputs (AdaBN) gives ${moved.map((s) => `${s.name} ${pct(s.accuracy?.adabn)}`).join(', ')}`
    : 'Tick "Re-estimate BN statistics on the shifted inputs (AdaBN)" to see what re-estimating does';
  const undo = restored.length ? `: it restores ${listed(restored)}` : '';
  const fails = notRestored.length ? `${restored.length ? ' but not' : ': it restores none of'} ${listed(notRestored)}` : '';
  return takeaway(headline, details, robust ? null : {
    title: 'BN alone does not make the net robust to shifted inputs',
    text: `The lecture suggests normalization helps with covariate shift; here BN with its training statistics is no more robust than no BN (${pct(bn)} vs ${pct(plain)}). ${adabnText}${values.adabn ? `${undo}${fails}` : ''}.${notRestored.includes('rotate') ? ' A per-unit mean and variance cannot undo a rotation, which mixes the two inputs differently for every unit.' : ''}`,
  });
}
