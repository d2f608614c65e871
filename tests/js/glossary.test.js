// The glossary: every [[term]] marker the chapters use has an entry (so a chapter text never shows a
// raw marker or an undefined term), the terms issue 16 lists are defined, and markers split as meant.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { glossary, plainText, splitTerms, termMarker } from '../../web/src/glossary.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const chapterDir = path.join(root, 'web', 'src', 'chapters');

test('every [[id]] in web/src/chapters/*.js has an entry in web/src/glossary.js', () => {
  const missing = [];
  let used = 0;
  for (const file of fs.readdirSync(chapterDir).filter((f) => f.endsWith('.js'))) {
    const source = fs.readFileSync(path.join(chapterDir, file), 'utf8');
    for (const match of source.matchAll(new RegExp(termMarker.source, 'g'))) {
      used += 1;
      if (!Object.hasOwn(glossary, match[1])) missing.push(`${file}: [[${match[1]}]]`);
    }
    // a marker that the pattern does not read (upper case, spaces) would show raw on the page
    for (const raw of source.matchAll(/\[\[([^\]]*)\]\]/g)) {
      if (!/^[a-z0-9-]+(\|[^\]]+)?$/.test(raw[1])) missing.push(`${file}: malformed marker [[${raw[1]}]]`);
    }
  }
  assert.deepEqual(missing, [], `${used} markers checked`);
});

test('the glossary defines the terms the lab uses without explaining them', () => {
  const needed = ['kurtosis', 'finite-population-correction', 'sample-variance', 'first-two-moments', 'one-sigma-ellipse',
    'gradient-change', 'anisotropic', 'ghost-batches', 'full-batch', 'mini-batch-statistics', 'whole-set-statistics',
    'running-averages', 'adabn', 'loss-gap', 'internal-covariate-shift', 'percentile-bands'];
  for (const id of needed) {
    const entry = glossary[id];
    assert.ok(entry, `no entry ${id}`);
    assert.ok(typeof entry.term === 'string' && entry.term.length > 0, `${id}: term`);
    assert.ok(typeof entry.definition === 'string' && entry.definition.length >= 40, `${id}: definition too short`);
    assert.doesNotMatch(entry.definition, /\[\[/, `${id}: a definition does not nest markers`);
  }
  for (const id of Object.keys(glossary)) assert.match(id, /^[a-z0-9-]+$/, `id ${id}`);
});

test('markers split into words and entries; unknown ids keep their words', () => {
  const pieces = splitTerms('High [[kurtosis]] and a [[loss-gap|gap]] of 0.04, [[no-such-term|raw words]].');
  assert.equal(pieces.length, 7);
  assert.equal(pieces[1].id, 'kurtosis');
  assert.equal(pieces[1].words, 'kurtosis');
  assert.equal(pieces[1].entry, glossary.kurtosis);
  assert.equal(pieces[3].words, 'gap');
  assert.equal(pieces[5].entry, undefined);
  assert.equal(pieces[5].words, 'raw words');
  assert.equal(plainText('High [[kurtosis]] and a [[loss-gap|gap]].'), 'High kurtosis and a gap.');
  assert.equal(plainText('no markers'), 'no markers');
});
