// Bundles the hosted page's scripts with esbuild (issue 8: what the first chapter transfers):
//
//   web/generated/lab.js      web/src/main.js and every module it imports, one minified ES module
//                             (web/index.html loads it); what it imports with import() (each
//                             chapter's module, the worker pool, the main-thread host) is split
//   web/generated/lab-*.js    into chunks loaded when needed, so the first chapter fetches its own
//                             code and not the seven others' (issue 19). The one-file lab
//                             (scripts/build-single.mjs) bundles without splitting: one file.
//   web/generated/worker.js   web/src/worker.js (the engine host) the same way; runner.js starts it
//   *.js.map                  source maps beside them, fetched only by a browser's developer tools
//
// 35 module files (84 KB gzip, each fetched as the import graph is discovered) become two files
// of about 47 KB gzip. The sources stay the reference: Node tests import them directly and the
// bundle has the same behaviour (the browser tests run the page from it).
//
// A module finds its neighbours with new URL('relative', import.meta.url). In the bundle
// import.meta.url is the bundle's address, so each such literal is rewritten to the same file
// seen from web/generated/ (web/src/worker.js becomes the bundled worker.js).
//
//   node scripts/build-page.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const outDir = path.join(web, 'generated');
const bundles = [['main.js', 'lab.js'], ['worker.js', 'worker.js']];
const bundled = new Map(bundles.map(([entry, out]) => [path.join(web, 'src', entry), path.join(outDir, out)]));

const relativeUrls = {
  name: 'relative-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g, (whole, quote, relative) => {
        const target = path.resolve(path.dirname(args.path), relative);
        const file = bundled.get(target) || target;
        if (!file.startsWith(web + path.sep)) throw new Error(`${path.relative(root, args.path)}: ${relative} points outside web/`);
        let seen = path.relative(outDir, file).split(path.sep).join('/');
        if (!seen.startsWith('.')) seen = `./${seen}`;
        return `new URL(${quote}${seen}${quote}, import.meta.url)`;
      });
      return { contents, loader: 'js' };
    });
  },
};

fs.mkdirSync(outDir, { recursive: true });
// The previous build's chunks (their names carry a hash of their contents).
for (const name of fs.readdirSync(outDir)) if (/^lab-[\w-]+\.js(\.map|\.br|\.gz)?$/.test(name)) fs.rmSync(path.join(outDir, name));
for (const [entry, out] of bundles) {
  const split = out === 'lab.js';
  await esbuild.build({
    entryPoints: { [out.replace(/\.js$/, '')]: path.join(web, 'src', entry) },
    outdir: outDir,
    splitting: split,
    chunkNames: 'lab-[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    plugins: [relativeUrls],
    logLevel: 'warning',
  });
}
console.log(`[build-page] ${bundles.map(([, out]) => `web/generated/${out}`).join(', ')} (+ .map)`);
