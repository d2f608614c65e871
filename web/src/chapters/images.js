// Real images: Ioffe & Szegedy's Figure 1 on Fashion-MNIST. The data (a subset built by
// scripts/build-data.mjs into generated/) are fetched once, when the chapter first runs, and handed
// to whatever trains it (runner.provideData, or pool.provideData: every worker of the pool); without
// them the chapter says what to install. With two or more workers the two nets train side by side,
// one cell each (the core's cells/merge), their running results merged into the plots as they come.
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, isNum, lastFinite, netStyles, seedControl, sentences, takeaway } from './common.js';

const nets = ['plain', 'bn'];
const dataName = 'fashion-mnist';
// The one-file build (build-single.mjs gives import.meta.url a placeholder) looks beside its page,
// where the SCORM package puts the file (same origin as the launch page on the LMS).
const oneFile = import.meta.url.startsWith('file:///bnlab-classic/');
export const dataUrl = oneFile && typeof document !== 'undefined'
  ? new URL('fashion-mnist-subset.bin', document.baseURI).href
  : new URL('../../generated/fashion-mnist-subset.bin', import.meta.url).href;
const howTo = 'install dataset-fashion-mnist (bash scripts/setup.sh) and rebuild (npm start builds web/generated/fashion-mnist-subset.bin)';

// One fetch per page, kept for the next runner or pool; a failure is not kept, so a later Run tries again.
/** @type {ReturnType<typeof fetchBytes> | null} */
let fetched = null;
/** @returns {Promise<{ problem: string, bytes?: undefined } | { problem?: undefined, bytes: Uint8Array }>} */
async function fetchBytes() {
  let response;
  try {
    response = await fetch(dataUrl);
  } catch (error) {
    return { problem: `the Fashion-MNIST images could not be fetched (${(error instanceof Error && error.message) || error}): ${howTo}.` };
  }
  if (!response.ok) return { problem: `the Fashion-MNIST images are not on this server (generated/fashion-mnist-subset.bin: HTTP ${response.status}): ${howTo}.` };
  return { bytes: new Uint8Array(await response.arrayBuffer()) };
}

// Handed over once per runner or pool (each copies the bytes into its workers).
/** @type {WeakMap<import('./chapter-types').DataTarget, Promise<string | null>>} */
const provided = new WeakMap();
/** @param {import('./chapter-types').DataTarget} target @returns {Promise<string | null>} the problem, or null */
async function fetchAndProvide(target) {
  fetched ??= fetchBytes();
  const got = await fetched;
  if (got.problem !== undefined) {
    fetched = null;
    return got.problem;
  }
  const outcome = await target.provideData(dataName, got.bytes);
  return outcome?.ok ? null : `the Fashion-MNIST images were refused: ${outcome?.error || 'no answer from the engine'}.`;
}

const sizeAxis = { label: 'test batch size (log scale)', log: true, ticks: [1, 2, 8, 60], tickFormat: (/** @type {number} */ v) => String(v) };

/** @type {import('./chapter-types').ChapterModule} */
export default {
  id: 'images',
  number: 'R',
  short: 'Real images',
  title: 'Real images: Ioffe & Szegedy\'s Figure 1',
  claim: 'On real images the effect is large: with batch norm the same network learns far faster, and the input to a last-layer sigmoid holds still instead of drifting.',
  intro: [
    'Ioffe and Szegedy (2015, Figure 1) trained three fully connected hidden layers of 100 sigmoid units on MNIST, mini-batches of 60, plain SGD, weights drawn from N(0, 0.1²). Here the same net learns Fashion-MNIST (28 × 28 grey images of clothes, 10 classes), with and without BN, from the same initial weights and the same mini-batches in the same order. The page trains on the first 10,000 training images and tests on the first 2,000 test images; the command line uses all 60,000 / 10,000.',
    'The middle plots are their panels (b) and (c), on the same scale: the [[percentile-bands|15th, 50th and 85th percentiles]] of one unit\'s input to its sigmoid over a fixed set of test images. The unit is unit 0 of the last hidden layer (the weights start i.i.d., so any fixed index is a unit drawn at random); the drift figure beside it averages all 100 units. Drift is the largest move of a percentile, in units of the band\'s initial width (85th minus 15th). The last plot repeats chapter 4 on these images: with its own statistics, a test batch of one gets one answer for every image.',
  ],
  controls: [
    { key: 'lr', label: 'Learning rate', kind: 'choice', options: [0.01, 0.03, 0.1, 0.3, 1], path: 'train.lr', fallback: 0.1 },
    { key: 'steps', label: 'Training steps', kind: 'choice', options: [250, 500, 1000, 2000, 3000], path: 'steps', fallback: 1000 },
    { key: 'unit', label: 'Unit shown (last hidden layer)', kind: 'integer', min: 0, max: 99, path: 'probe_unit', fallback: 0 },
    seedControl,
  ],
  stepFraction: 0.02,
  // The two nets as two cells on the worker pool when it has two workers (else one runner, lock-step).
  pooled: { minSize: 2, live: true },
  async prepare(target) {
    let handover = provided.get(target);
    if (!handover) provided.set(target, handover = fetchAndProvide(target));
    const problem = await handover;
    if (problem) provided.delete(target);
    return problem;
  },
  charts: [
    {
      id: 'accuracy', title: 'Test accuracy (Figure 1a)',
      description: 'Share of the test images classified correctly, every 100 steps (BN with its running averages).',
      x: { label: 'training step' }, y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) },
      yFormat: (v) => pct(v, 1),
      series: [{ key: 'plain', ...netStyles.plain }, { key: 'bn', ...netStyles.bn }],
    },
    {
      id: 'bands-plain', title: 'Input to one sigmoid: without BN (Figure 1b)', group: 'bands',
      description: 'Median and 15th-85th percentile band of z over 256 test images.',
      x: { label: 'training step' }, y: { label: 'sigmoid input' },
      series: [{ key: 'plain', ...netStyles.plain, label: 'without BN: median, band 15th-85th', band: true }],
    },
    {
      id: 'bands-bn', title: 'Input to one sigmoid: with BN (Figure 1c)', group: 'bands',
      description: 'Median and 15th-85th percentile band of γ ẑ + β, same images.',
      x: { label: 'training step' }, y: { label: 'sigmoid input' },
      series: [{ key: 'bn', ...netStyles.bn, label: 'with BN: median, band 15th-85th', band: true }],
    },
    {
      id: 'test-time', title: 'Test time: running averages vs the test batch\'s own statistics',
      description: 'The trained BN net on the test images, normalised with the statistics of test batches of m images; the lines are its running-average accuracy and chance.',
      x: sizeAxis, y: { label: 'test accuracy', domain: [0, 1], tickFormat: (v) => pct(v, 0) }, yFormat: (v) => pct(v, 1),
      series: [
        { key: 'batch', label: 'batch statistics', color: colors.blue, marker: 'circle' },
        { key: 'running', label: 'running averages', color: colors.black, dash: '6 3' },
        { key: 'chance', label: 'chance (10%)', color: colors.vermillion, dash: '2 3' },
      ],
    },
    {
      id: 'examples', kind: 'images', title: 'Test images and the two nets\' answers',
      description: 'One test image of each class, with each net\'s predicted class and its probability at the latest evaluation (✓ right, ✗ wrong).',
    },
  ],
  render(result, charts) {
    const data = result?.nets || {};
    const classes = arr(result?.classes);
    const bandOf = (/** @type {string} */ key) => {
      const p = data[key]?.percentiles || {};
      return { key, x: arr(p.step), y: arr(p.p50), lo: arr(p.p15), hi: arr(p.p85), diverged: isNum(data[key]?.diverged_at) };
    };
    const acc = (/** @type {string} */ k) => lastFinite(data[k]?.test_accuracy);
    const evalStep = lastFinite(data.bn?.eval_step);
    charts.get('accuracy').update({
      series: nets.map((k) => ({ key: k, x: arr(data[k]?.eval_step), y: arr(data[k]?.test_accuracy), diverged: isNum(data[k]?.diverged_at) })),
      summary: `Test accuracy${isNum(evalStep) ? ` after ${int(evalStep)} steps` : ' at the latest evaluation'}: ` + nets.slice().reverse().map((k) => `${netStyles[k].label} ${isNum(data[k]?.diverged_at) ? 'diverged' : pct(acc(k))}`).join(', ') + '.',
    });
    const unit = result?.probe_unit ?? 0;
    // Figure 1b and 1c on one y-range, so the two bands compare by eye.
    const bandValues = nets.flatMap((k) => { const b = bandOf(k); return [...b.lo, ...b.hi]; }).filter(Number.isFinite);
    const yInclude = bandValues.length ? [Math.min(...bandValues), Math.max(...bandValues)] : null;
    for (const k of nets) {
      const n = data[k] || {};
      charts.get(`bands-${k}`).update({
        series: [bandOf(k)],
        yInclude,
        summary: `Unit ${unit} ${netStyles[k].label}: percentiles moved ${num(n.band_drift)} band widths (rank ${isNum(n.unit_rank) ? int(n.unit_rank) : '–'} of 100 by drift); the mean over all 100 units is ${num(n.band_drift_all_units)}.`,
      });
    }
    const tt = result?.test_time;
    const batches = arr(tt?.batch);
    const sizes = batches.map((b) => b.size);
    const span = sizes.length ? [Math.min(...sizes), Math.max(...sizes)] : [1, 60];
    charts.get('test-time').update({
      series: tt ? [{ key: 'batch', x: sizes, y: batches.map((b) => b.accuracy) }] : [],
      hlines: tt ? [{ key: 'running', y: tt.running, label: `running ${pct(tt.running, 1)}` }, { key: 'chance', y: tt.chance, label: 'chance' }] : [],
      summary: tt
        ? `Batch of one: ${pct(batches.find((b) => b.size === 1)?.accuracy)}${tt.batch1_one_answer ? ` (one answer, ${classes[tt.batch1_class] || 'one class'}, for every image)` : ''}; batch of ${span[1]}: ${pct(batches.at(-1)?.accuracy)}; running averages ${pct(tt.running)}.`
        : 'Computed when training ends.',
    });
    const ex = result?.examples || {};
    const labels = arr(ex.label);
    const name = (/** @type {number} */ c) => classes[c] ?? String(c);
    const images = arr(ex.pixels).map((pixels, i) => ({
      id: arr(ex.index)[i],
      pixels,
      lines: [
        { text: name(labels[i]) },
        ...nets.map((k) => {
          const c = arr(ex[k]?.class)[i];
          const p = arr(ex[k]?.probability)[i];
          const ok = c === labels[i];
          return { text: isNum(c) ? `${k === 'bn' ? 'BN' : 'no BN'}: ${ok ? '✓' : '✗'} ${name(c)} ${pct(p, 0)}` : '', color: netStyles[k].color };
        }),
      ],
    }));
    const right = (/** @type {string} */ k) => labels.filter((y, i) => arr(ex[k]?.class)[i] === y).length;
    charts.get('examples').update({
      images, rows: result?.data?.rows, cols: result?.data?.cols,
      summary: labels.length ? `Of these ${labels.length} images, with BN ${right('bn')} are right, without BN ${right('plain')}.` : '',
      columns: ['test image', 'class', 'with BN', 'p (BN)', 'without BN', 'p (no BN)'],
      exportRows: labels.map((y, i) => [arr(ex.index)[i], name(y), name(arr(ex.bn?.class)[i]), arr(ex.bn?.probability)[i], name(arr(ex.plain?.class)[i]), arr(ex.plain?.probability)[i]]),
    });
    // The question: on real images, does BN learn faster and hold the sigmoid's input still?
    const native = typeof result?.takeaway === 'string' ? result.takeaway : '';
    const p = data.plain || {};
    const b = data.bn || {};
    if (!isNum(evalStep) || !isNum(acc('bn')) || isNum(p.diverged_at) || isNum(b.diverged_at)) return native || 'Training…';
    let headline = `After ${int(evalStep)} steps on Fashion-MNIST: test accuracy ${pct(acc('bn'))} with BN vs ${pct(acc('plain'))} without`;
    if (isNum(p.band_drift_all_units) && isNum(b.band_drift_all_units)) {
      headline += `, and the sigmoid inputs of the last hidden layer drifted ${num(b.band_drift_all_units)} band widths with BN vs ${num(p.band_drift_all_units)} without (mean over all 100 units)`;
    }
    // The shown unit's drift with the charts' rounding (the core's sentence rounds to 2 places), then
    // the core's test-time sentence.
    return takeaway(`${headline}.`, [
      isNum(p.band_drift) && isNum(b.band_drift) ? `Unit ${unit}, the one Fig. 1b and 1c show: its percentiles moved ${num(p.band_drift)} band widths without BN vs ${num(b.band_drift)} with BN.` : '',
      ...sentences(native).filter((t) => /^At test time/.test(t)),
    ]);
  },
  // Predict, then run (web/src/predict.js): which net does better on the images.
  predict: {
    id: 'images-accuracy',
    question: 'On the clothing images, after the same training, which network has the higher test accuracy?',
    kind: 'choice',
    choices: [
      { value: 'bn', label: 'the network with BN' },
      { value: 'same', label: 'about the same (within 1 point)' },
      { value: 'plain', label: 'the network without BN' },
    ],
    measure(result) {
      const acc = (/** @type {string} */ k) => lastFinite(result?.nets?.[k]?.test_accuracy);
      const plain = acc('plain');
      const bn = acc('bn');
      if (!isNum(plain) || !isNum(bn)) return null;
      const value = Math.abs(bn - plain) <= 0.01 ? 'same' : bn > plain ? 'bn' : 'plain';
      return { value, text: `${pct(plain)} without BN, ${pct(bn)} with BN`, plain, bn };
    },
    score: (answer, measured) => ({ correct: answer === measured.value, score: answer === measured.value ? 1 : 0 }),
    explain: (answer, m) => `This run ended at ${pct(m.plain)} test accuracy without BN and ${pct(m.bn)} with BN. With the same steps and learning rate, normalizing each layer usually lets the network learn faster; whether it ends higher depends on how long both train.`,
  },
};
