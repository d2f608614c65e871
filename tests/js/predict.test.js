// Predict, then run (web/src/predict.js): answers checked against the question's range, scores,
// the predict= page option, and each chapter's question measured from a result of its shape.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createPredictionLog, evaluate, numberScore, parseAnswer, parsePredictMode, questionProblems } from '../../web/src/predict.js';
import { readPageOptions, writePageOptions } from '../../web/src/embed.js';
import { embedUrl } from '../../web/src/ui/embed-dialog.js';
import { toCsv, toJson } from '../../web/src/export.js';
import { chapters } from '../../web/src/chapters/index.js';

const byId = Object.fromEntries(chapters.map((c) => [c.id, c]));

test('every chapter declares a well-formed question', () => {
  for (const c of chapters) assert.deepEqual(questionProblems(c.predict), [], c.id);
  assert.ok(questionProblems({ id: 'x', question: 'q', kind: 'number', range: { min: 2, max: 1 } }).some((p) => /range/.test(p)));
});

test('a number outside the range is refused in one line naming the field; a number inside is kept', () => {
  const q = byId.noise.predict;
  assert.deepEqual(parseAnswer(q, '0.35'), { value: 0.35 });
  assert.deepEqual(parseAnswer(q, ' 2 '), { value: 2 });
  for (const bad of ['2.5', '-0.1', '1e400', 'abc', '', '0x1']) {
    const out = parseAnswer(q, bad);
    assert.ok(out.error, bad);
    assert.match(out.error, /^Your prediction \(×\)/);
    assert.ok(!out.error.includes('\n'));
  }
  assert.equal(parseAnswer(q, '2.5').error, 'Your prediction (×) "2.5" must be between 0 and 2 ×');
  const pctQ = byId.inference.predict;
  assert.equal(parseAnswer(pctQ, '101').error, 'Your prediction (%) "101" must be between 0 and 100 %');
});

test('a choice must be one of the choices', () => {
  const q = byId.speed.predict;
  assert.deepEqual(parseAnswer(q, 'plain'), { value: 'plain' });
  assert.match(parseAnswer(q, 'banana').error, /^Your prediction "banana" must be one of plain, bn, both, neither$/);
  assert.match(parseAnswer(q, '').error, /pick one/);
});

test('number scores: full marks at the measurement, correct within the tolerance, 0 at twice it', () => {
  const score = numberScore(0.1);
  assert.deepEqual(score(0.35, { value: 0.35 }), { correct: true, score: 1 });
  const edge = score(0.45, { value: 0.35 });
  assert.equal(edge.correct, true);
  assert.ok(Math.abs(edge.score - 0.5) < 1e-9);
  assert.deepEqual(score(1, { value: 0.35 }), { correct: false, score: 0 });
});

test('predict= is one of ask, require, off; anything else is a one-line problem and ask is used', () => {
  assert.deepEqual(parsePredictMode('require'), { value: 'require' });
  assert.match(parsePredictMode('maybe').error, /^page option predict "maybe" must be one of ask, require, off$/);
  const { options, problems } = readPageOptions([['predict', 'off'], ['seed', '2']]);
  assert.equal(options.predict, 'off');
  assert.deepEqual(problems, []);
  const bad = readPageOptions([['predict', 'always']]);
  assert.equal(bad.options.predict, 'ask');
  assert.deepEqual(bad.problems, ['page option predict "always" must be one of ask, require, off; using ask']);
  assert.equal(writePageOptions({ nav: '1', controls: 'show', predict: 'require' }), 'predict=require');
  assert.equal(writePageOptions({ nav: '1', controls: 'show', predict: 'ask' }), '');
  assert.equal(embedUrl({ base: 'https://x.org/', chapter: 'noise', predict: 'off' }), 'https://x.org/#noise?predict=off');
});

// Results of each chapter's shape (the fields its render reads), small and made up here.
const results = {
  speed: { spec: { train: { lr: 0.3 } }, nets: { plain: { train_loss: [0.69, 0.62] }, bn: { train_loss: [0.5, 0.12] } } },
  noise: { batch_size: [16, 64, 512], mean_noise: [0.25, 0.125, 0.0442], full_batch: [false, false, false] },
  inference: { checkpoints: [{ step: 200, batch: [{ size: 1, accuracy: 0.5 }] }, { step: 2000, population: { accuracy: 0.98 }, batch: [{ size: 1, accuracy: 0.502 }, { size: 2, accuracy: 0.8 }] }] },
  regularization: { batch_size: [64, 128, 256, 512], noise_effect: { mean: [0.03, 0.018, 0.001, null], full_batch: [false, false, false, true] } },
  shift: { shifts: [{ name: 'none', accuracy: { bn_running: 0.97 } }, { name: 'rotate', accuracy: { bn_running: 0.6, adabn: 0.62 } }] },
  ics: { nets: { plain: { summary: { relative: 0.2 } }, bn: { summary: { relative: 0.19 } } } },
  distribution: { band_drift: { plain: 1.2, bn: 0.3 } },
  images: { nets: { plain: { test_accuracy: [0.7, 0.8] }, bn: { test_accuracy: [0.75, 0.84] } } },
};
const expected = { speed: 'plain', noise: 0.354, inference: 50.2, regularization: 0, shift: 'no', ics: 'same', distribution: 'less', images: 'bn' };

test('each chapter measures its answer from the run\'s own numbers and explains in two sentences quoting them', () => {
  for (const c of chapters) {
    const q = c.predict;
    const measured = q.measure(results[c.id], {});
    assert.ok(measured, c.id);
    assert.equal(measured.value, expected[c.id], c.id);
    const answer = q.kind === 'choice' ? expected[c.id] : expected[c.id];
    const out = evaluate(q, answer, results[c.id]);
    assert.equal(out.correct, true, c.id);
    assert.equal(out.score, 1, c.id);
    const sentences = out.explanation.split(/(?<=[.!?])\s+(?=[A-Z"])/);
    assert.equal(sentences.length, 2, `${c.id}: ${out.explanation}`);
    assert.ok(/\d/.test(sentences[0]), `${c.id}: the first sentence quotes the run's numbers`);
    // wrong answers score below 1
    const wrong = q.kind === 'choice' ? q.choices.find((x) => x.value !== expected[c.id]).value : q.range.max;
    assert.ok(evaluate(q, wrong, results[c.id]).score < 1, c.id);
  }
});

test('shift: AdaBN back to the unshifted accuracy is yes, near chance is no, in between partly', () => {
  const q = byId.shift.predict;
  const at = (adabn) => q.measure({ shifts: [{ name: 'none', accuracy: { bn_running: 0.99 } }, { name: 'rotate', accuracy: { bn_running: 0.16, adabn } }] }).value;
  assert.equal(at(0.97), 'yes');
  assert.equal(at(0.8), 'partly');
  assert.equal(at(0.403), 'no');
  assert.equal(at(0.3), 'no');
});

test('3b on the shape of h-3b\'s result (noise_effect with a full batch at 512): 0× of the regularization at 64, said once', () => {
  const out = evaluate(byId.regularization.predict, 0, results.regularization);
  assert.equal(out.correct, true);
  assert.match(out.explanation, /was 0\.03 at batch 64 and 0 at 512, where the batch is the whole training set: 0× as much, against your 0×\. /);
  assert.deepEqual(out.measured.curve.map((p) => p.x), [64, 128, 256, 512]);
  assert.equal(out.measured.curve[0].y, 1);
  // 512 a real mini-batch (a larger training set): the ratio of the two means; within 0.25 is right
  const real = { batch_size: [64, 512], noise_effect: { mean: [0.04, 0.01], full_batch: [false, false] } };
  assert.equal(byId.regularization.predict.measure(real).value, 0.25);
  assert.equal(evaluate(byId.regularization.predict, 0.5, real).correct, true);
  assert.equal(evaluate(byId.regularization.predict, 0.51, real).correct, false);
  // scored against the page's precomputed sweep (before the student's own run): it says so
  const pre = evaluate(byId.regularization.predict, 0, { ...results.regularization, seeds_done: 5 }, { precomputed: true });
  assert.match(pre.explanation, /^In the precomputed sweep \(5 seeds\) the regularization from BN's noise /);
  assert.match(out.explanation, /^In this run the regularization/);
  // no positive regularization at 64: nothing to take a multiple of, so not measured
  assert.equal(byId.regularization.predict.measure({ batch_size: [64, 512], noise_effect: { mean: [-0.002, 0.001], full_batch: [false, false] } }), null);
});

test('a result without the field is "not measured" (null), not a crash: 3b before noise_effect exists, speed at another learning rate', () => {
  assert.equal(evaluate(byId.regularization.predict, 0, { batch_size: [64, 512], configs: {} }), null);
  assert.equal(evaluate(byId.speed.predict, 'plain', { ...results.speed, spec: { train: { lr: 0.01 } } }), null);
  for (const c of chapters) assert.equal(evaluate(c.predict, 'x', {}), null, c.id);
  assert.equal(evaluate(byId.noise.predict, 0.3, null), null);
});

test('the log keeps one entry per question, tells listeners, and exports as CSV and JSON', () => {
  const log = createPredictionLog();
  const heard = [];
  log.subscribe((m) => heard.push(m.type));
  const q = byId.noise.predict;
  log.predict({ chapter: 'noise', id: q.id, question: q.question, kind: 'number', answer: 0.5, answerText: '0.5 ×', latencyMs: 4200, skipped: false });
  log.predict({ chapter: 'noise', id: q.id, question: q.question, kind: 'number', answer: 0.4, answerText: '0.4 ×', latencyMs: 5200, skipped: false });
  assert.equal(log.entries.length, 1);
  log.score('noise', q.id, evaluate(q, 0.4, results.noise));
  assert.deepEqual(heard, ['prediction', 'prediction', 'score']);
  const [row] = log.entries;
  assert.equal(row.answer, 0.4);
  assert.equal(row.measured, 0.354);
  assert.equal(row.correct, true);
  const csv = toCsv(log.table());
  assert.match(csv.split('\n')[0], /^chapter,question_id,question,prediction,skipped,latency_s,measured,measured_text,correct,score,explanation,at$/);
  assert.match(csv.split('\n')[1], /^noise,noise-512-vs-64,/);
  const json = JSON.parse(toJson(log.table()));
  assert.equal(json[0].prediction, 0.4);
  assert.equal(json[0].latency_s, 5.2);
});
