// The page's chapter catalog (web/src/chapters/catalog.js: what the page shows of a chapter before
// its module loads) agrees with the chapter modules themselves (chapters/index.js), in order.
import test from 'node:test';
import assert from 'node:assert/strict';
import { catalog } from '../../web/src/chapters/catalog.js';
import { chapters } from '../../web/src/chapters/index.js';

test('the catalog lists every chapter module in order, with its number, short name and title', async () => {
  assert.deepEqual(catalog.map((c) => c.id), chapters.map((c) => c.id));
  for (const [i, entry] of catalog.entries()) {
    const module = chapters[i];
    for (const field of ['number', 'short', 'title']) assert.equal(entry[field], module[field], `${entry.id}.${field}`);
    assert.equal((await entry.load()).default, module, `${entry.id}: load() gives its module`);
  }
});
