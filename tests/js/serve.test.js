// web/serve.mjs: gzip when the client accepts it (the body gunzips to the file), plain otherwise.
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
    const zipped = await get(port, '/src/host.js', { 'Accept-Encoding': 'gzip, deflate, br' });
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
