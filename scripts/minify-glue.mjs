// Minifies the Emscripten glue of the hosted modules in place (web/generated/bnlab-first.mjs and
// bnlab.mjs): Emscripten 3.1.6 without Closure leaves every local name whole, and esbuild's
// renaming takes the first chapter's glue from 52 KB to 28 KB raw (12.1 -> 9.1 KB brotli, issue 19).
// Only local names change (the factory's inner scope); Module["..."] keys, the default export and
// import.meta.url stay. Idempotent (a marker comment says it was done); the wasm build runs it
// after the link (scripts/build.sh), and the tests load the minified glue as the page does.
//
//   node scripts/minify-glue.mjs [file.mjs ...]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = '// glue minified by scripts/minify-glue.mjs\n';
const files = process.argv.slice(2).length ? process.argv.slice(2)
  : ['bnlab-first.mjs', 'bnlab.mjs'].map((f) => path.join(root, 'web', 'generated', f));
for (const file of files) {
  if (!fs.existsSync(file)) continue;
  const source = fs.readFileSync(file, 'utf8');
  if (source.startsWith(marker)) continue;
  const out = await esbuild.transform(source, { minify: true, format: 'esm', target: 'es2020', legalComments: 'none', logLevel: 'error' });
  fs.writeFileSync(file, marker + out.code);
  console.log(`[minify-glue] ${path.relative(root, file)}: ${(source.length / 1024).toFixed(1)} -> ${((marker.length + out.code.length) / 1024).toFixed(1)} KB`);
}
