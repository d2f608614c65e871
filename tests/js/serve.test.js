// web/serve.mjs: brotli or gzip when the client accepts it (the body decompresses to the file),
// plain otherwise; a precompressed .br beside a file is sent only while it is newer than the file.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createServer } from '../../web/serve.mjs';
import { repoRoot } from './helpers.js';

function get(port, pathname, headers) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('the server sends gzip to clients that accept it and the plain file to others', async () => {
  const server = createServer({ quiet: true });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    const file = fs.readFileSync(path.join(repoRoot, 'web', 'src', 'host.js'));
    const zipped = await get(port, '/src/host.js', { 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    assert.ok(zipped.body.length < file.length / 2, `${zipped.body.length} of ${file.length} bytes`);
    assert.deepEqual(zlib.gunzipSync(zipped.body), file);
    const plain = await get(port, '/src/host.js', {});
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, file);
    assert.match(plain.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the server prefers brotli, honours q=0, and sends a precompressed .br only while it is fresh', async () => {
  const server = createServer({ quiet: true });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  // A file of web/generated/ of our own (the build's own files may be mid-rebuild elsewhere).
  const dir = path.join(repoRoot, 'web', 'generated');
  fs.mkdirSync(dir, { recursive: true });
  const name = `serve-test-${process.pid}.js`;
  const file = path.join(dir, name);
  const text = Buffer.from(`// ${'brotli '.repeat(400)}\nexport const x = 1;\n`);
  try {
    fs.writeFileSync(file, text);
    const br = await get(port, `/generated/${name}`, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(zlib.brotliDecompressSync(br.body), text);
    assert.ok(br.body.length < text.length / 4, `${br.body.length} of ${text.length} bytes`);
    const refused = await get(port, `/generated/${name}`, { 'Accept-Encoding': 'br;q=0, gzip' });
    assert.equal(refused.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(refused.body), text);

    // A precompressed file newer than its source is what goes out, byte for byte ...
    const marker = Buffer.from('// precompressed copy\n');
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(marker));
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(`${file}.br`, later, later);
    const fresh = await get(port, `/generated/${name}`, { 'Accept-Encoding': 'br' });
    assert.deepEqual(zlib.brotliDecompressSync(fresh.body), marker);
    // ... and once the source changes after it, the copy is stale and the file itself is compressed.
    const changed = Buffer.concat([text, Buffer.from('export const y = 2;\n')]);
    fs.writeFileSync(file, changed);
    const evenLater = new Date(Date.now() + 10000);
    fs.utimesSync(file, evenLater, evenLater);
    const stale = await get(port, `/generated/${name}`, { 'Accept-Encoding': 'br' });
    assert.deepEqual(zlib.brotliDecompressSync(stale.body), changed);
    assert.equal((await get(port, `/generated/${name}.br`, {})).headers['content-type'], 'text/plain', 'a .br file is not served by its own name');
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}.br`, { force: true });
    await new Promise((resolve) => server.close(resolve));
  }
});

// Started through a path with a symbolic link in it (as /tmp is on macOS), the server must still
// see that it is the main module and serve; before the fix it exited at once with status 0.
test('web/serve.mjs started through a symbolic link serves the page', async (t) => {
  const { spawn } = await import('node:child_process');
  const os = await import('node:os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlab-serve-link-'));
  const link = path.join(dir, 'repo');
  fs.symlinkSync(repoRoot, link);
  const child = spawn(process.execPath, [path.join(link, 'web', 'serve.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/running at http:\/\/[^:]+:(\d+)\//);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`serve.mjs exited (status ${code}) before serving; output: ${out}`)));
  });
  const page = await get(port, '/');
  assert.match(page.body.toString('utf8'), /<title>[^<]*BN Lab/);
});
