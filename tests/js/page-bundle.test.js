// The hosted page runs web/generated/lab.js and worker.js (scripts/build-page.mjs): every
// new URL('x', import.meta.url) in them must name a file the server has, seen from web/generated/,
// and index.html must load the bundle, not the sources.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';

const web = path.join(repoRoot, 'web');
const generated = path.join(web, 'generated');
const built = ['lab.js', 'worker.js'].every((f) => fs.existsSync(path.join(generated, f)));

test('index.html loads the bundled page script', () => {
  const html = fs.readFileSync(path.join(web, 'index.html'), 'utf8');
  assert.match(html, /<script type="module" src="generated\/lab\.js"><\/script>/);
  assert.doesNotMatch(html, /src="src\//);
});

test('each address in the bundles names a file of the hosted page', { skip: !built && 'run bash scripts/build.sh wasm first' }, () => {
  const seen = new Set();
  // lab.js loads its chunks (each chapter's code, shared modules: scripts/build-page.mjs splits
  // it) by ./lab-*.js; every bundle and chunk is checked, and no import may name anything else (a
  // source module by a relative path means the bundle is not one).
  const bundles = ['lab.js', 'worker.js'];
  for (let i = 0; i < bundles.length; i += 1) {
    const bundle = bundles[i];
    const text = fs.readFileSync(path.join(generated, bundle), 'utf8');
    const imported = [...text.matchAll(/(?:from\s*|import\s*\(?\s*)["'](\.\.?\/[^"']+)["']/g)].map((m) => m[1]);
    for (const relative of imported) {
      assert.match(relative, /^\.\/lab-[\w-]+\.js$/, `${bundle} still imports a module by a relative path (${relative}), not one of the page's chunks`);
      const chunk = relative.slice(2);
      assert.ok(fs.existsSync(path.join(generated, chunk)), `${bundle}: its chunk ${chunk} is missing`);
      if (!bundles.includes(chunk)) bundles.push(chunk);
    }
    for (const [, relative] of text.matchAll(/new URL\(["']([^"']+)["'],\s*import\.meta\.url\)/g)) {
      const file = path.resolve(generated, relative);
      assert.ok(file.startsWith(web + path.sep), `${bundle}: ${relative} points outside web/`);
      // The image set is built only where the package is installed; everything else must exist.
      if (!/fashion-mnist/.test(relative)) assert.ok(fs.existsSync(file), `${bundle}: ${relative} -> ${path.relative(repoRoot, file)} is missing`);
      seen.add(path.relative(web, file));
    }
  }
  // The addresses the sources use: the engine, the module worker, the classic worker, the images.
  for (const wanted of ['generated/bnlab.mjs', 'generated/worker.js', 'generated/bnlab-worker.js', 'generated/fashion-mnist-subset.bin']) {
    assert.ok(seen.has(wanted), `no address of ${wanted} in the bundles (found ${[...seen].join(', ')})`);
  }
  const sources = fs.readdirSync(path.join(web, 'src'), { recursive: true }).filter((f) => f.endsWith('.js'));
  const newest = Math.max(...sources.map((f) => fs.statSync(path.join(web, 'src', f)).mtimeMs));
  assert.ok(fs.statSync(path.join(generated, 'lab.js')).mtimeMs >= newest, 'web/generated/lab.js is older than web/src: run node scripts/build-page.mjs');
});
