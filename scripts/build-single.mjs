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

// Emscripten's one-file output keeps its wasm as a data: URL and fetch()es it first (connect-src
// refuses that under the lab's CSP: a violation report on every start) before decoding it itself.
// The base64 text moves to globalThis.bnlabWasmBase64, which engine.js decodes and passes to the
// factory as wasmBinary (then nothing is fetched); the data: URL keeps working as before otherwise.
const dataUrlPattern = /(["'])data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)\1/;
function hoistWasm(text) {
  const match = text.match(dataUrlPattern);
  if (!match) throw new Error('web/generated/bnlab-single.js has no inlined data:application/octet-stream;base64 wasm');
  if (text.slice(match.index + match[0].length).match(dataUrlPattern)) throw new Error('bnlab-single.js has more than one inlined wasm');
  const hoisted = `globalThis.bnlabWasmBase64=${match[1]}${match[2]}${match[1]};\n`;
  return hoisted + text.slice(0, match.index) + `"data:application/octet-stream;base64,"+globalThis.bnlabWasmBase64` + text.slice(match.index + match[0].length);
}
const engine = hoistWasm(fs.readFileSync(enginePath, 'utf8'));
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

// The head is web/index.html's, and so is the CSP (its one source: web/serve.mjs sends it too),
// made self-contained: 'self' becomes the hashes of the inlined code (scripts: the engine and the
// page; style: styles.css, inherited from default-src when index.html names no style-src) or goes,
// and a list left empty is 'none'. The stylesheet, icon and module script links give way to the
// inline style; the description says which build this is.
const headMatch = indexHtml.match(/<head>([\s\S]*?)<\/head>/);
const cspPattern = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/;
const hostedCsp = headMatch?.[1].match(cspPattern)?.[1];
if (!hostedCsp) throw new Error('web/index.html has no Content-Security-Policy meta tag in its <head>');
const directives = new Map(hostedCsp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name, sources]));
const inlined = new Map([['script-src', [sha(engine), sha(page)]], ['style-src', [sha(css)]]]);
if (!directives.has('style-src')) {  // inserted after script-src, as the hosted page inherits it
  const entries = [...directives];
  entries.splice(entries.findIndex(([name]) => name === 'script-src') + 1, 0, ['style-src', directives.get('default-src') || []]);
  directives.clear();
  entries.forEach(([name, sources]) => directives.set(name, sources));
}
const csp = [...directives].map(([name, sources]) => {
  const own = sources.flatMap((src) => (src === "'self'" ? inlined.get(name) || [] : [src]));
  return `${name} ${own.length ? own.join(' ') : "'none'"}`;
}).join('; ');

const replaceOnce = (text, pattern, by, what) => {
  if (!pattern.test(text)) throw new Error(`web/index.html's <head> has no ${what}`);
  return text.replace(pattern, by);
};
let head = headMatch[1];
head = replaceOnce(head, cspPattern, `<meta http-equiv="Content-Security-Policy" content="${csp}">`, 'CSP');
head = replaceOnce(head, /(<meta name="description" content="[^"]*?)\.">/, '$1 (one-file build).">', 'description');
head = replaceOnce(head, /<link rel="stylesheet" href="styles\.css">/, `<style>${css}</style>`, 'stylesheet link');
head = replaceOnce(head, /\n[ \t]*<link rel="icon"[^>]*>/, '', 'icon link');
head = replaceOnce(head, /\n[ \t]*<script type="module" src="[^"]*"><\/script>/, '', 'module script');
const htmlTag = replaceOnce(indexHtml.match(/<html[^>]*>/)?.[0] || '', /^<html/, '<html data-build="single"', '<html> tag');

const html = `<!doctype html>
${htmlTag}
<head>${head}</head>
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
