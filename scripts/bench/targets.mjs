// Issue 19's targets side by side (the issue asks `npm run bench` to print each beside today's
// figure): one row per target with the issue's figure ("today", measured on an idle machine before
// the issue's work), this run's figure, the target and whether it is met. Every figure of this run
// is read from a row the bench has already printed (its own rows and those of scripts/bench-*.mjs),
// never measured or computed again here, so the two tables cannot disagree. A row that is missing
// (a build or a browser not there, quick mode) shows "not measured".

// rows: the bench's table, [measurement, value, note] each.
const find = (rows, test) => rows.find(([what]) => test(what));
const number = (text, pattern) => {
  const m = pattern.exec(text || '');
  return m ? Number(m[1]) : NaN;
};
const whole = (row) => (row ? `${row[1]} ${row[2]}` : '');

// Each target: what it is, the issue's figure, how to read this run's from the rows, and the test.
// `atLeast`: the figure must be >= the target (else <=).
/** @type {Array<{ what: string, today: string, target: string, read: (rows: string[][]) => { value: number, text: string, note?: string }, met: (v: number) => boolean }>} */
const targets = [
  ...['64x64*64x64', '64x64*64x512'].map((shape, i) => ({
    what: `GEMM ${shape.replace(/\*/g, '·')}, Chromium worker (the core's kernel)`,
    today: `${[15.2, 10.7][i]} GFLOP/s`,
    target: '>= 25 GFLOP/s',
    read: (rows) => {
      const row = find(rows, (w) => w.startsWith('GEMM wasm Chromium') && w.endsWith(shape) && !/ Eigen /.test(w));
      const v = number(row?.[1], /([\d.]+) GFLOP\/s/);
      return { value: v, text: `${v} GFLOP/s` };
    },
    met: (v) => v >= 25,
  })),
  ...['64x64*64x64', '64x64*64x512'].map((shape, i) => ({
    what: `GEMM ${shape.replace(/\*/g, '·')}, native (the core's kernel)`,
    today: `${[37.8, 38.6][i]} GFLOP/s (Eigen)`,
    target: `>= ${[37.8, 38.6][i]} GFLOP/s (today's)`,
    read: (rows) => {
      const row = find(rows, (w) => w.startsWith('GEMM native') && w.endsWith(shape) && !/ Eigen /.test(w));
      const v = number(row?.[1], /([\d.]+) GFLOP\/s/);
      const eigen = number(find(rows, (w) => w === `GEMM native Eigen ${shape}`)?.[1], /([\d.]+) GFLOP\/s/);
      return { value: v, text: `${v} GFLOP/s`, note: Number.isFinite(eigen) ? `Eigen ${eigen} in this run` : '' };
    },
    met: (v) => v >= [37.8, 38.6][i],
  })),
  {
    what: 'training, Chromium worker / native, batch 64 with BN (wall, same run)',
    today: '0.67x',
    target: '>= 0.8x',
    read: (rows) => {
      const v = number(find(rows, (w) => w.startsWith('Chromium / native, batch 64, BN'))?.[1], /([\d.]+)x/);
      return { value: v, text: `${v.toFixed(2)}x` };
    },
    met: (v) => v >= 0.8,
  },
  {
    what: 'the lab in Chromium / TF.js 4.22 wasm, batch 64 with BN',
    today: '19x',
    target: '>= 30x',
    read: (rows) => {
      const v = number(find(rows, (w) => w.startsWith('lab in Chromium / TF.js wasm, batch 64, BN'))?.[1], /([\d.]+)x/);
      return { value: v, text: `${v.toFixed(1)}x` };
    },
    met: (v) => v >= 30,
  },
  {
    what: "chapter 3b's default five-seed sweep (80 runs), pool of 2 workers",
    today: '10.4 s',
    target: '<= 8 s',
    read: (rows) => {
      const row = find(rows, (w) => w.startsWith('the default 5-seed sweep') && w.endsWith('worker pool'));
      const single = find(rows, (w) => w.startsWith('the default 5-seed sweep') && w.endsWith('single worker'));
      const panel = find(rows, (w) => w.startsWith('the default 5-seed sweep, the panel'));
      const size = number(row?.[2], /\((\d+) workers/);
      return {
        value: size === 2 ? number(row?.[1], /([\d.]+) s/) : NaN,
        text: row?.[1] ?? '',
        note: [Number.isFinite(size) && size !== 2 ? `pool of ${size}, not 2` : '', single ? `one worker ${single[1]}` : '',
          panel ? `the panel's Run to done ${panel[1]}` : ''].filter(Boolean).join('; '),
      };
    },
    met: (v) => v <= 8,
  },
  {
    what: "images chapter's preset (1000 steps x 2 nets, evaluations), pool of 2 workers",
    today: '5.6-6.4 s',
    target: '<= 4 s',
    read: (rows) => {
      const row = find(rows, (w) => w.startsWith('images chapter in Chromium, chapter preset') && /pooled \(2 cells on 2 workers\)/.test(w));
      return { value: number(row?.[1], /([\d.]+) s/), text: row?.[1] ?? '' };
    },
    met: (v) => v <= 4,
  },
  {
    what: "first chapter's transfer, brotli",
    today: '280 KB',
    target: '<= 150 KB',
    read: (rows) => {
      const v = number(whole(find(rows, (w) => w.startsWith('transfer first chapter'))), /([\d.]+) KB brotli/);
      return { value: v, text: `${v} KB` };
    },
    met: (v) => v <= 150,
  },
];

// -> the lines of the markdown table (heading line first).
export function targetTable(rows) {
  const lines = ["Issue 19's targets (this run's figures read from the rows above)", '',
    '| target | issue 19 (today) | this run | target | verdict |', '| --- | --- | --- | --- | --- |'];
  for (const t of targets) {
    const got = t.read(rows);
    const measured = Number.isFinite(got.value);
    const shown = measured ? `${got.text}${got.note ? ` (${got.note})` : ''}` : `not measured${got.note ? ` (${got.note})` : ''}`;
    const verdict = measured ? (t.met(got.value) ? 'met' : 'NOT met') : 'n/a';
    lines.push(`| ${t.what} | ${t.today} | ${shown} | ${t.target} | ${verdict} |`);
  }
  return lines;
}
