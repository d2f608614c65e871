// Chapter 3b: BN regularizes slightly, and less with bigger batches (protocol P1).
import { int, num, pct } from '../format.js';
import { colors } from '../palette.js';
import { arr, isNum, seedControl } from './common.js';

const configs = [
  { key: 'none', label: 'no regularization', color: colors.black, dash: '4 2', marker: 'cross' },
  { key: 'bn', label: 'BN', color: colors.blue, dash: '', marker: 'circle' },
  { key: 'dropout', label: 'dropout', color: colors.vermillion, dash: '7 4', marker: 'square' },
  { key: 'bn_dropout', label: 'BN + dropout', color: colors.green, dash: '2 3', marker: 'triangle' },
];
const batchAxis = { label: 'mini-batch size (log scale)', log: true, ticks: [16, 32, 64, 128, 256, 512], tickFormat: (v) => String(v) };

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
    'Results arrive seed by seed; the bars are 95% intervals over the seeds done so far and tighten as more finish. Honest framing: at this size BN at 64 is about as good as no regularization; what shows clearly is that bigger batches make BN overfit more, while no regularization and dropout stay flat.',
  ],
  controls: [
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
      x: batchAxis, y: { label: 'loss gap' }, series: configs,
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
        { key: 'train-small', label: 'train, smallest batch', color: colors.blue, dash: '', marker: 'circle' },
        { key: 'test-small', label: 'test, smallest batch', color: colors.blue, dash: '6 3', marker: 'triangle' },
        { key: 'train-large', label: 'train, largest batch', color: colors.vermillion, dash: '', marker: 'square' },
        { key: 'test-large', label: 'test, largest batch', color: colors.vermillion, dash: '6 3', marker: 'diamond' },
      ],
    },
  ],
  render(result, charts) {
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
      series: gap, note,
      summary: gap.length && done > 0 ? `Loss gap after ${done} of ${total} seeds: ${describe(gap)}.` : 'The first seed is still training.',
    });
    const clean = metricSeries(result, 'test_clean_accuracy');
    charts.get('clean').update({
      series: clean,
      summary: clean.length && done > 0 ? `Clean test accuracy: ${clean.map((s) => `${configs.find((c) => c.key === s.key).label} ${pct(s.y[0])} → ${pct(s.y[s.y.length - 1])}`).join('; ')}.` : '',
    });
    const curves = arr(result?.curves?.bn);
    const small = curves[0];
    const large = curves.length > 1 ? curves[curves.length - 1] : null;
    const pick = (key, c, field) => (c ? [{ key, x: arr(c.epoch), y: arr(c[field]) }] : []);
    charts.get('curves').update({
      series: [...pick('train-small', small, 'train_loss'), ...pick('test-small', small, 'test_loss'), ...pick('train-large', large, 'train_loss'), ...pick('test-large', large, 'test_loss')],
      summary: small ? `Smallest batch ${small.batch_size}${large ? `, largest ${large.batch_size}` : ''}.` : 'Curves appear as the first seed trains.',
    });
    return typeof result?.takeaway === 'string' && result.takeaway ? result.takeaway : `Sweep running: ${done} of ${total} seeds done.`;
  },
};
