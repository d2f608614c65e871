// SCORM 1.2 pieces as plain functions: the runtime search, the adapter against runtimes that refuse
// or throw, the package script's options, manifest and zip writer.
import test from 'node:test';
import assert from 'node:assert/strict';
import { findScormApi, lessonChapters, startScorm, timespan } from '../../web/src/scorm.js';
import { createPredictionLog } from '../../web/src/predict.js';
import { allowOwnData, crc32, manifest, parseArgs, unzip, withLesson, zip } from '../../scripts/package-scorm.mjs';

const fakeWindow = (props = {}) => ({ addEventListener() {}, ...props });

test('the runtime is found on a parent (bounded depth) or on the opener; a cross-origin window stops the search quietly', () => {
  const api = { LMSInitialize() { return 'true'; } };
  const top = fakeWindow({ API: api });
  top.parent = top;
  const mid = fakeWindow({ parent: top });
  const lab = fakeWindow({ parent: mid });
  assert.equal(findScormApi(lab), api);
  // too deep: 12 levels of frames between the lab and the API
  let w = top;
  for (let i = 0; i < 12; i += 1) w = fakeWindow({ parent: w });
  assert.equal(findScormApi(w), null);
  const blocked = fakeWindow();
  Object.defineProperty(blocked, 'API', { get() { throw new Error('SecurityError'); } });
  blocked.parent = blocked;
  assert.equal(findScormApi(fakeWindow({ parent: blocked })), null);
  const opened = fakeWindow({ opener: top });
  opened.parent = opened;
  assert.equal(findScormApi(opened), api);
  const alone = fakeWindow();
  alone.parent = alone;
  assert.equal(findScormApi(alone), null);
});

test('timespan is CMITimespan (HHHH:MM:SS.SS); the lesson comes from the launch page\'s meta tag', () => {
  assert.equal(timespan(0), '0000:00:00.00');
  assert.equal(timespan(3723450), '0001:02:03.45');
  const doc = { querySelector: () => ({ getAttribute: () => 'noise, inference,bogus' }) };
  assert.deepEqual(lessonChapters(doc, ['speed', 'noise', 'inference']), ['noise', 'inference']);
  assert.deepEqual(lessonChapters({ querySelector: () => null }, ['speed', 'noise']), ['speed', 'noise']);
});

test('a runtime that throws or refuses: one warning line each, the lab goes on', () => {
  const log = createPredictionLog();
  const lines = [];
  const throwing = fakeWindow({ API: { LMSInitialize() { throw new Error('no session'); } } });
  throwing.parent = throwing;
  assert.equal(startScorm({ log, lesson: ['noise'], win: throwing, warn: (l) => lines.push(l) }), null);
  assert.deepEqual(lines, ['SCORM: LMSInitialize threw (no session); the lab keeps working without the LMS']);
  lines.length = 0;
  const values = {};
  const refusing = fakeWindow({
    API: {
      LMSInitialize: () => 'true', LMSGetValue: (k) => values[k] ?? '', LMSCommit: () => 'true', LMSFinish: () => 'true',
      LMSSetValue: (k, v) => (k.endsWith('.latency') ? 'false' : ((values[k] = v), 'true')),
      LMSGetLastError: () => '405', LMSGetErrorString: () => 'Incorrect data type',
    },
  });
  refusing.parent = refusing;
  const session = startScorm({ log, lesson: ['noise'], win: refusing, warn: (l) => lines.push(l) });
  assert.ok(session);
  log.predict({ chapter: 'noise', id: 'noise-512-vs-64', question: 'q', kind: 'number', answer: 0.4, latencyMs: 1000, skipped: false });
  log.score('noise', 'noise-512-vs-64', { measured: { value: 0.354, text: '0.354×' }, correct: true, score: 0.77, explanation: 'e' });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^SCORM: LMSSetValue\("cmi\.interactions\.0\.latency", "0000:00:01\.00"\) was refused by the LMS \(error 405 Incorrect data type\); the lab keeps working$/);
  assert.equal(values['cmi.interactions.0.student_response'], '0.4');
  assert.equal(values['cmi.interactions.0.correct_responses.0.pattern'], '0.354');
  assert.equal(values['cmi.interactions.0.result'], 'correct');
  assert.equal(values['cmi.core.score.raw'], '77');
  assert.equal(values['cmi.core.lesson_status'], 'completed');
});

test('package options: chapters checked by name, one line each', () => {
  assert.deepEqual(parseArgs(['--chapters', 'noise,regularization']).options.chapters, ['noise', 'regularization']);
  assert.equal(parseArgs(['--chapters', 'noise,bogus']).error, '--chapters "noise,bogus": unknown chapter "bogus" (chapters: speed, distribution, shift, noise, regularization, inference, ics, images)');
  assert.equal(parseArgs(['--chapter', 'noise']).error, 'unknown option "--chapter" (one of --chapters, --title, --out, --lab, --data)');
  assert.equal(parseArgs(['--title']).error, 'option --title needs a value');
});

test('the zip round-trips (CRC-32 checked) and the manifest names its launch file', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const files = [{ name: 'imsmanifest.xml', data: manifest({ title: 'BN <Lab>', launch: 'bnlab-lab.html', chapters: ['noise'] }) }, { name: 'bnlab-lab.html', data: withLesson('<html><head><title>x</title></head></html>', ['noise', 'inference']) }];
  const back = unzip(zip(files));
  assert.deepEqual(back.map((f) => f.name), ['imsmanifest.xml', 'bnlab-lab.html']);
  const xml = back[0].data.toString();
  assert.match(xml, /<schemaversion>1\.2<\/schemaversion>/);
  assert.match(xml, /adlcp:scormtype="sco" href="bnlab-lab\.html"/);
  assert.match(xml, /<title>BN &lt;Lab&gt;<\/title>/);
  assert.match(back[1].data.toString(), /^<html><head>\n<meta name="bnlab-lesson" content="noise,inference"><title>/);
});

test('the images chapter\'s data: listed in the manifest beside the launch file; the lab may fetch its own origin only', () => {
  const xml = manifest({ title: 'T', launch: 'bnlab-lab.html', chapters: ['images'], files: ['fashion-mnist-subset.bin'] });
  assert.match(xml, /<file href="bnlab-lab.html"\/>\n {6}<file href="fashion-mnist-subset.bin"\/>\n/);
  const page = '<head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; connect-src \'none\'; img-src \'none\'"></head>';
  assert.equal(allowOwnData(page), '<head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; connect-src \'self\'; img-src \'none\'"></head>');
  assert.throws(() => allowOwnData('<head></head>'), /no CSP with connect-src 'none'/);
  assert.equal(parseArgs(['--data', 'x.bin']).options.data.endsWith('x.bin'), true);
});
