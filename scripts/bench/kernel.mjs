// Issue 19's rows of the bench table: the float GEMM by Eigen (the core's product before the
// issue) and by the core's own kernel (bnlab/gemm.h), native / Node /
// Chromium worker, each beside the figure the issue quoted ("today") and its target; and the
// ratios the issue sets targets for, all from this one run (results of scripts/bench.mjs).
// Figures from a loaded machine are lower than the issue's, which was idle: compare the ratios.

// The issue's table (AMD EPYC, 2 cores, idle machine; one run, medians of 3 rounds).
export const issueFigures = {
  gemm: { native: { 64: 37.8, 512: 38.6 }, 'wasm Node': { 64: 18.3, 512: 18.4 }, 'wasm Chromium': { 64: 15.2, 512: 10.7 } },
  gemmTarget: { 'wasm Chromium': 25 },  // GFLOP/s, both shapes
  trainingBn64: { native: 512e3, chromium: 342e3 },
  chromiumVsNative: 0.8,  // target: training in Chromium / native, same run
  vsTfjs: 30,  // target: lab in Chromium / TF.js 4.22 wasm, batch 64 with BN
};

const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

// rows: [measurement, value, note]
export function kernelRows(results, ceiling) {
  const rows = [];
  for (const [label, r] of [['native', results.native], ['wasm Node', results.node], ['wasm Chromium', results.chromium]]) {
    const gemm = r?.gemm || [];
    for (const g of gemm) {
      const kernel = g.kernel || 'Eigen';
      const today = issueFigures.gemm[label]?.[g.n];
      const target = issueFigures.gemmTarget[label];
      const eigen = gemm.find((e) => (e.kernel || 'Eigen') === 'Eigen' && e.n === g.n);
      const vsEigen = kernel !== 'Eigen' && eigen ? `, ${fmt(g.gflops / eigen.gflops, 2)}x Eigen in this run` : '';
      rows.push([`GEMM ${label} ${kernel} ${g.m}x${g.k}*${g.k}x${g.n}`, `${fmt(g.gflops)} GFLOP/s`,
        `${Math.round((100 * g.gflops) / ceiling)}% of the ${ceiling} GFLOP/s ceiling; issue 19 (Eigen, idle machine): ${fmt(today)}`
        + `${target ? `; target >= ${target}` : ''}${vsEigen}`]);
    }
  }
  const bn64 = (r) => r?.training?.find((f) => f.batch === 64 && f.batch_norm);
  const chromium = bn64(results.chromium), nativeWall = bn64(results.nativeWall);
  if (chromium && nativeWall) {
    rows.push(['Chromium / native, batch 64, BN', `${fmt(chromium.samples_per_second / nativeWall.samples_per_second, 2)}x`,
      `wall time, same run; issue 19: ${fmt(issueFigures.trainingBn64.chromium / issueFigures.trainingBn64.native, 2)}x; target >= ${issueFigures.chromiumVsNative}x`]);
  }
  const tf = results.tfjs?.rows?.find((f) => f.batch === 64 && f.batch_norm);
  if (chromium && tf) {
    rows.push(['lab in Chromium / TF.js wasm, batch 64, BN', `${fmt(chromium.samples_per_second / tf.samples_per_second)}x`,
      `issue 19: 19x; target >= ${issueFigures.vsTfjs}x (TF.js in Node, the lab in a Chromium worker, wall time)`]);
  }
  return rows;
}
