// Writes a brotli (.br) and a gzip (.gz) copy beside each file of web/generated/ that the page
// fetches, so web/serve.mjs (and any static host that looks for such copies) sends them without
// compressing on the fly. A copy newer than its file is kept; the server ignores stale ones.
//
//   node scripts/precompress.mjs        (the last step of bash scripts/build.sh wasm)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'web', 'generated');
const wanted = /\.(wasm|mjs|js|bin|json)$/;
const skipped = new Set(['bnlab-single.js', 'package.json']);  // an input of scripts/build-single.mjs; Node's module type: never fetched
const encoders = {
  // Brotli's top level costs ~2 s for the wasm, far more for the 9 MB image set (level 5 there).
  br: (body) => zlib.brotliCompressSync(body, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: body.length > 2 * 1024 * 1024 ? 5 : 11,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gz: (body) => zlib.gzipSync(body, { level: body.length > 2 * 1024 * 1024 ? 6 : 9 }),
};
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const lines = [];
for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
  if (!wanted.test(name) || skipped.has(name)) continue;
  const file = path.join(dir, name);
  const mtimeMs = fs.statSync(file).mtimeMs;
  let body = null;
  const sizes = [];
  for (const [ext, encode] of Object.entries(encoders)) {
    const copy = `${file}.${ext}`;
    if (!fs.existsSync(copy) || fs.statSync(copy).mtimeMs < mtimeMs) {
      body ??= fs.readFileSync(file);
      fs.writeFileSync(copy, encode(body));
    }
    sizes.push(`${ext} ${kb(fs.statSync(copy).size)}`);
  }
  lines.push(`${name} ${kb(fs.statSync(file).size)} -> ${sizes.join(', ')}`);
}
console.log(`[precompress] web/generated: ${lines.join('; ') || 'nothing to compress'}`);
