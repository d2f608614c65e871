// Builds the two classic-script artefacts of the lab with esbuild (after the wasm build):
//
//   web/generated/bnlab-worker.js  the engine host as one classic worker script: the one-file
//                                  engine (bnlab-single.js, wasm inlined, defines createBnlab)
//                                  followed by worker.js + host.js + engine.js bundled as an IIFE.
//                                  The hosted page makes a classic Blob worker from its text where
//                                  URL and module workers cannot start (sandboxed frames, origin null).
//   dist/bnlab-lab.html            the one-file lab: page, styles and engine inlined; training in a
//                                  classic Blob worker made from the inlined engine, the main thread
//                                  as the last fallback. Its CSP allows exactly its own inline code
//                                  (sha256 hashes computed here) and nothing from any other origin,
//                                  so it works double-clicked from disk, uploaded to an LMS as a
//                                  file, and in a sandboxed frame.
//
//   node scripts/build-single.mjs        (needs web/generated/bnlab-single.js: bash scripts/build.sh wasm)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const enginePath = path.join(web, 'generated', 'bnlab-single.js');
if (!fs.existsSync(enginePath)) {
  console.error('[build-single] error: web/generated/bnlab-single.js is missing: run bash scripts/build.sh wasm first');
  process.exit(1);
}

// import.meta.url has no meaning in a classic script: the bundles get a fixed placeholder, and the
// engine is found as the global createBnlab (engine.js looks there first), never by URL.
async function bundle(entry) {
  const out = await esbuild.build({
    entryPoints: [path.join(web, 'src', entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    minify: true,
    legalComments: 'none',
    external: ['node:*'],
    define: { 'import.meta.url': '"file:///bnlab-classic/src/bundle.js"' },
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

const engine = fs.readFileSync(enginePath, 'utf8');
const workerHost = await bundle('worker.js');
const page = await bundle('main.js');

// An inline <script> ends at the first "</script": none may occur inside the inlined code.
for (const [name, text] of [['engine', engine], ['worker host', workerHost], ['page', page]]) {
  if (/<\/script/i.test(text)) throw new Error(`the ${name} bundle contains "</script" and cannot be inlined`);
}

const workerFile = path.join(web, 'generated', 'bnlab-worker.js');
fs.writeFileSync(workerFile, `${engine}\n;${workerHost}\n`);

const sha = (text) => `'sha256-${crypto.createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const css = fs.readFileSync(path.join(web, 'styles.css'), 'utf8');
const indexHtml = fs.readFileSync(path.join(web, 'index.html'), 'utf8');
const body = indexHtml.slice(indexHtml.indexOf('<body>') + '<body>'.length, indexHtml.indexOf('</body>'))
  .replace(/open the one-file build <code>bnlab-lab.html<\/code> instead \(it works from disk\), or serve this folder, e\.g\. <code>node web\/serve\.mjs<\/code>, and open the address it prints\./,
    'this file is the one-file build and needs no server: check that JavaScript is allowed for this page.');
if (!body.includes('id="chapters"')) throw new Error('web/index.html has no <main id="chapters">');

// The engine text runs on the page (main-thread fallback) and, read back from its element, starts
// the worker; the worker host is a data block (type text/plain: never executed on the page).
const engineTag = `<script id="bnlab-engine">${engine}</script>`;
const hostTag = `<script type="text/plain" id="bnlab-worker-host">${workerHost}</script>`;
const pageTag = `<script>${page}</script>`;
const csp = [
  "default-src 'none'",
  `script-src ${sha(engine)} ${sha(page)} 'wasm-unsafe-eval'`,
  `style-src ${sha(css)}`,
  'worker-src blob:',
  "img-src 'none'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const html = `<!doctype html>
<html lang="en" data-build="single">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>BN Lab: why does batch normalization work?</title>
<meta name="description" content="An interactive lab that trains real networks in your browser to test each claim about batch normalization (one-file build).">
<style>${css}</style>
</head>
<body>${body}${hostTag}
${engineTag}
${pageTag}
</body>
</html>
`;

const distDir = path.join(root, 'dist');
fs.mkdirSync(distDir, { recursive: true });
const outFile = path.join(distDir, 'bnlab-lab.html');
fs.writeFileSync(outFile, html);
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`[build-single] ${path.relative(root, workerFile)} ${kb(fs.statSync(workerFile).size)}, ${path.relative(root, outFile)} ${kb(html.length)}`);
