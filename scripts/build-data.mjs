// Builds the page's Fashion-MNIST subset: web/generated/fashion-mnist-subset.bin (not committed).
//   node scripts/build-data.mjs [--train N] [--test M] [--from DIR] [--out FILE]
// Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, gzipped IDX files; or
// $BNLAB_FASHION_MNIST), keeps the FIRST N training and M test images (defaults 10000 / 2000) and
// writes them as one bundle: the four IDX files (headers rewritten to the new counts) concatenated
// in the order train images, train labels, test images, test labels (native/include/bnlab/idx.h).
// Why this subset: 10000 x 784 bytes + 2000 x 784 = 9.4 MB raw (~4 MB gzip over the wire), which the
// page fetches only when the images chapter opens; 1000 steps of batch 60 are then 6 epochs of it,
// and 2000 test images give a test accuracy within +-1.8 points (95%). The files are already in a
// random class order, so the first N are a fair sample (the counts per class are printed).
// The CLI reads the full 60000 / 10000 itself; `bnlab run --data web/generated/fashion-mnist-subset.bin`
// reproduces the page's numbers. Up to date (same sizes, newer than the sources): nothing is done.
// Without the package it says what to install and exits 0 (the rest of the build does not need it).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const from = arg('from', process.env.BNLAB_FASHION_MNIST || '/usr/share/datasets/fashion-mnist');
const out = arg('out', path.join(root, 'web', 'generated', 'fashion-mnist-subset.bin'));
const nTrain = Number(arg('train', 10000));
const nTest = Number(arg('test', 2000));
const say = (m) => console.log(`[data] ${m}`);

for (const [name, v, max] of [['--train', nTrain, 60000], ['--test', nTest, 10000]]) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`[data] ${name} = ${v}: must be an integer in [1, ${max}]`);
    process.exit(2);
  }
}

const parts = [
  ['train-images-idx3-ubyte', 0x803, nTrain],
  ['train-labels-idx1-ubyte', 0x801, nTrain],
  ['t10k-images-idx3-ubyte', 0x803, nTest],
  ['t10k-labels-idx1-ubyte', 0x801, nTest],
];
const sources = parts.map(([file]) => [path.join(from, `${file}.gz`), path.join(from, file)].find((p) => fs.existsSync(p)));
if (sources.some((s) => !s)) {
  say(`Fashion-MNIST not found in ${from}: install dataset-fashion-mnist (bash scripts/setup.sh); the images chapter will say its data are missing`);
  process.exit(0);
}

const stamp = `${out}.sizes`;
const wanted = `${nTrain} ${nTest}`;
if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted
  && sources.every((s) => fs.statSync(s).mtimeMs <= fs.statSync(out).mtimeMs)) {
  say(`up to date: ${path.relative(root, out)} (${nTrain} train / ${nTest} test)`);
  process.exit(0);
}

const pieces = [];
const counts = new Array(10).fill(0);
for (const [i, [file, magic, n]] of parts.entries()) {
  const raw = sources[i].endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(sources[i])) : fs.readFileSync(sources[i]);
  const dims = raw[3];
  if (raw.readUInt32BE(0) !== magic) throw new Error(`${sources[i]}: magic number 0x${raw.readUInt32BE(0).toString(16)}: must be 0x${magic.toString(16)}`);
  const sizes = Array.from({ length: dims }, (_, k) => raw.readUInt32BE(4 + 4 * k));
  if (sizes[0] < n) throw new Error(`${sources[i]}: has ${sizes[0]} entries, fewer than the ${n} asked for`);
  const per = sizes.slice(1).reduce((a, b) => a * b, 1);
  const head = Buffer.alloc(4 + 4 * dims);
  head.writeUInt32BE(magic, 0);
  head.writeUInt32BE(n, 4);
  sizes.slice(1).forEach((s, k) => head.writeUInt32BE(s, 8 + 4 * k));
  const body = raw.subarray(4 + 4 * dims, 4 + 4 * dims + n * per);
  if (body.length !== n * per) throw new Error(`${sources[i]}: shorter than its header says`);
  if (file === 'train-labels-idx1-ubyte') for (const y of body) counts[y] += 1;
  pieces.push(head, body);
}
fs.mkdirSync(path.dirname(out), { recursive: true });
const bundle = Buffer.concat(pieces);
fs.writeFileSync(out, bundle);
fs.writeFileSync(stamp, wanted);
say(`wrote ${path.relative(root, out)}: ${nTrain} train / ${nTest} test images, ${(bundle.length / 1e6).toFixed(1)} MB; training images per class ${counts.join(' ')}`);
