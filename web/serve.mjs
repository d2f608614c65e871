// Serves web/ on localhost with the headers the lab is designed for: the strict CSP, .wasm as
// application/wasm and Access-Control-Allow-Origin: * (so sandboxed frames, origin null, can load
// the module scripts and the wasm), brotli or gzip when the client accepts it. No dependencies.
//   node web/serve.mjs [--port 5173] [--host 127.0.0.1]   (or BNLAB_PORT / BNLAB_HOST, as npm start)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.dirname(fileURLToPath(import.meta.url));
const served = [/^\/index\.html$/, /^\/styles\.css$/, /^\/favicon\.svg$/, /^\/src\/[\w/.-]+\.js$/, /^\/generated\/[\w.-]+\.(mjs|js|wasm|html|bin|map|json)$/, /^\/embed-demo\.html$/, /^\/embedding\.html$/];
const types = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json',
};
// The one source of the lab's CSP is the <meta http-equiv="Content-Security-Policy"> in index.html;
// the server sends the same policy as a header (which also covers the scripts and the wasm).
export function readCsp(html = fs.readFileSync(path.join(root, 'index.html'), 'utf8')) {
  const match = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  if (!match) throw new Error('web/index.html has no Content-Security-Policy meta tag');
  return match[1];
}
export const csp = readCsp();

// Compressed when the client accepts it: brotli (Chromium, Firefox and Safari all send br), else
// gzip. A file the build precompressed (web/generated/*.br and *.gz, scripts/precompress.mjs:
// brotli at its highest level takes ~2 s for the wasm) is sent as it is while it is newer than its source;
// anything else is compressed here, once per modification time.
const compressible = new Set(['.html', '.css', '.js', '.mjs', '.wasm', '.svg', '.json', '.map', '.bin']);
const cache = new Map();
const brotliLevel = (size) => ({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: size > 256 * 1024 ? 5 : 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } });
const suffix = { br: 'br', gzip: 'gz' };
function compressed(file, body, mtimeMs, encoding) {
  const copyFile = `${file}.${suffix[encoding]}`;
  let copy = -1;  // the precompressed copy's modification time, while it is fresh
  try {
    copy = fs.statSync(copyFile).mtimeMs;
  } catch {
    copy = -1;
  }
  if (copy < mtimeMs) copy = -1;
  const key = `${encoding} ${file}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === mtimeMs && hit.copy === copy) return hit.body;
  let out;
  if (copy >= 0) out = fs.readFileSync(copyFile);
  else if (encoding === 'br') out = zlib.brotliCompressSync(body, brotliLevel(body.length));
  else out = zlib.gzipSync(body, { level: body.length > 2 * 1024 * 1024 ? 6 : 9 });
  cache.set(key, { mtimeMs, copy, body: out });
  return out;
}
// Accept-Encoding: "gzip, deflate, br" or with weights ("br;q=0" refuses br).
function accepted(req, name) {
  return String(req.headers['accept-encoding'] || '').split(',').some((item) => {
    const [coding, ...params] = item.trim().toLowerCase().split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    return coding === name && !(q && Number(q.slice(2)) === 0);
  });
}
export const encodingFor = (req) => (accepted(req, 'br') ? 'br' : accepted(req, 'gzip') ? 'gzip' : null);

export function createServer({ quiet = false } = {}) {
  return http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (pathname === '/') pathname = '/index.html';
    const file = path.join(root, pathname);
    if (!served.some((re) => re.test(pathname)) || !file.startsWith(root + path.sep) || pathname.includes('..')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    fs.readFile(file, (error, body) => {
      if (error) {
        const missing = pathname.startsWith('/generated/') ? ' (build the wasm first: npm run build)' : '';
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found${missing}`);
        if (!quiet && missing) console.warn(`missing ${pathname}${missing}`);
        return;
      }
      const headers = {
        'Content-Type': types[path.extname(file)] || 'application/octet-stream',
        'Content-Security-Policy': csp,
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      };
      let payload = body;
      if (compressible.has(path.extname(file))) {
        headers.Vary = 'Accept-Encoding';
        const encoding = encodingFor(req);
        if (encoding) {
          let mtimeMs = 0;
          try {
            mtimeMs = fs.statSync(file).mtimeMs;
          } catch {
            mtimeMs = -1;
          }
          payload = compressed(file, body, mtimeMs, encoding);
          headers['Content-Encoding'] = encoding;
        }
      }
      headers['Content-Length'] = payload.length;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : payload);
    });
  });
}

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

// Started as a program (not imported)? Node runs the module from its real path, while argv[1] keeps
// the path as typed, which may pass through a symbolic link (/tmp on macOS): compare real paths.
function realPath(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}
const isMain = Boolean(process.argv[1]) && realPath(fileURLToPath(import.meta.url)) === realPath(process.argv[1]);

if (isMain) {
  const host = arg('host', process.env.BNLAB_HOST || '127.0.0.1');
  const port = Number(arg('port', process.env.BNLAB_PORT || 5173));
  const server = createServer();
  server.on('error', (error) => {
    console.error(`cannot serve on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const { port: actual } = server.address();
    if (!fs.existsSync(path.join(root, 'generated', 'bnlab.mjs'))) console.warn('web/generated/bnlab.mjs is missing: run `npm run build` first.');
    // index.html runs the bundle (scripts/build-page.mjs), so edits to web/src show after a rebuild.
    const bundle = path.join(root, 'generated', 'lab.js');
    const sources = fs.readdirSync(path.join(root, 'src'), { recursive: true }).filter((f) => String(f).endsWith('.js'));
    const newest = Math.max(0, ...sources.map((f) => fs.statSync(path.join(root, 'src', String(f))).mtimeMs));
    if (!fs.existsSync(bundle)) console.warn('web/generated/lab.js is missing: run `npm run build` (or node scripts/build-page.mjs) first.');
    else if (fs.statSync(bundle).mtimeMs < newest) console.warn('web/generated/lab.js is older than web/src: run node scripts/build-page.mjs to see your edits.');
    console.log(`BN Lab is running at http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/  (Ctrl+C to stop)`);
  });
}
