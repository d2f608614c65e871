// TF.js 4.22's wasm backend on DESIGN's benchmark net, in this Node (V8, Chromium's engine):
// 2 -> [dense(64, no bias) -> batchNormalization -> relu] x 3 -> dense(2), softmax
// cross-entropy, SGD with momentum 0.9 (the core's bench), float32. The backend's .wasm files
// come from node_modules (no network); single-threaded with SIMD, as on a page that is not
// cross-origin isolated (no SharedArrayBuffer), like the lab's own engine.
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function benchTfjs({ batches = [64, 512], steps = 300, bnModes = [true, false] } = {}) {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(`${dist}${path.sep}`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  const rows = [];
  for (const batch of batches) {
    for (const bn of bnModes) {
      const n = batch === 64 ? steps : Math.max(4, Math.round(steps / 8));
      const layers = [];
      let input = 2;
      for (let l = 0; l < 3; l += 1) {
        layers.push(tf.layers.dense({ units: 64, useBias: !bn, inputShape: l === 0 ? [input] : undefined }));
        if (bn) layers.push(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
        layers.push(tf.layers.activation({ activation: 'relu' }));
        input = 64;
      }
      layers.push(tf.layers.dense({ units: 2 }));
      const model = tf.sequential({ layers });
      const optimizer = tf.train.momentum(0.01, 0.9);
      const x = tf.randomNormal([batch, 2]);
      const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), 'int32'), 2);
      const step = () => optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })), false);
      for (let s = 0; s < Math.max(2, Math.round(n / 5)); s += 1) step();
      const t0 = performance.now();
      for (let s = 0; s < n; s += 1) step();
      await tf.ready();
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ batch, batch_norm: bn, steps: n, seconds, samples_per_second: (n * batch) / seconds });
      model.dispose();
      x.dispose();
      labels.dispose();
      optimizer.dispose();
    }
  }
  return { version: tf.version.tfjs, simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), rows };
}
