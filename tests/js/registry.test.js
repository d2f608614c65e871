// The chapter registries and the lists written for people agree: the page's registry
// (web/src/chapters/index.js), the engine's (native/src/experiments/chapters.def, through the CLI
// here and the wasm module in wasm.test.js), README's chapter table and the page's no-JavaScript
// summary in web/index.html. A new chapter that is missing from one of them fails here.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chapters } from '../../web/src/chapters/index.js';
import { cliPath, repoRoot, runCli } from './helpers.js';

const ids = chapters.map((c) => c.id);

test('the page registers each chapter once, with an id, a number and a title', () => {
  assert.ok(ids.length >= 8, `chapters: ${ids.join(', ')}`);
  assert.equal(new Set(ids).size, ids.length, `no id twice: ${ids.join(', ')}`);
  const numbers = chapters.map((c) => c.number);
  assert.equal(new Set(numbers).size, numbers.length, `no number twice: ${numbers.join(', ')}`);
  for (const c of chapters) {
    assert.match(c.id, /^[a-z][a-z0-9_]*$/, 'a chapter id is a lower-case word (it is the spec\'s "chapter")');
    assert.ok(typeof c.title === 'string' && c.title.length > 0, `${c.id} has a title`);
    assert.equal(typeof c.render, 'function', `${c.id} has render()`);
  }
});

test("README's chapter table lists the registry's chapters in its order, each with its docs page", () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const header = readme.indexOf('| chapter | lecture claim | run it | documented in |');
  assert.ok(header >= 0, "README has the chapter table");
  const rows = readme.slice(header).split('\n').slice(2).filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('|')));
  const listed = rows.map((row) => row.match(/^\| `([a-z0-9_]+)` \|/)?.[1]);
  assert.deepEqual(listed, ids);
  for (const row of rows) {
    const doc = row.match(/`([^`]+\.(?:md|h))` \|$/)?.[1];
    assert.ok(doc && fs.existsSync(path.join(repoRoot, doc)), `the row's documentation exists: ${row}`);
  }
});

test("the page's no-JavaScript summary names every chapter, in the registry's order", () => {
  const html = fs.readFileSync(path.join(repoRoot, 'web', 'index.html'), 'utf8');
  const list = html.match(/<ol class="static-chapters">([\s\S]*?)<\/ol>/);
  assert.ok(list, 'web/index.html has <ol class="static-chapters">');
  const items = [...list[1].matchAll(/<li><strong>([^<]*)<\/strong>/g)].map((m) => m[1]);
  assert.equal(items.length, chapters.length, `one item per chapter: ${items.join(' / ')}`);
  chapters.forEach((c, i) => assert.ok(items[i].startsWith(`${c.number}. `), `item ${i + 1} is chapter ${c.number} (${c.id}): "${items[i]}"`));
});

test("the CLI's chapters (the engine's registry) are the page's, in the same order", (t) => {
  if (!cliPath()) {
    t.skip('build/native/bnlab is missing: build the native CLI first (bash scripts/build.sh native)');
    return;
  }
  const r = runCli(['chapters']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ids);
});
