// The SCORM 1.2 package in headless Chromium: the zip's manifest is well-formed and names the launch
// file it holds; a host page with a real SCORM 1.2 runtime (scorm-again's Scorm12API, from npm)
// launches the packaged lab, predictions are made, and the runtime holds the interactions, the score
// and "completed"; LMSFinish on leaving; launched with no runtime the lab works and logs no error.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import test from 'node:test';
import assert from 'node:assert/strict';
import { closeServer, launch, repoRoot, wasmBuilt, watchPage } from './browser.js';
import { unzip } from '../../scripts/package-scorm.mjs';

const outDir = path.join(repoRoot, 'test-output');
const zipPath = path.join(outDir, 'bnlab-scorm-test.zip');
const runtimeJs = path.join(repoRoot, 'node_modules', 'scorm-again', 'dist', 'scorm12.js');
const visible = 'section.chapter:not([hidden])';
let files;
let server;
let base;
let browser;

test.before(async () => {
  assert.ok(wasmBuilt && fs.existsSync(path.join(repoRoot, 'dist', 'bnlab-lab.html')), 'dist/bnlab-lab.html is missing: build the wasm first (bash scripts/build.sh wasm)');
  assert.ok(fs.existsSync(runtimeJs), 'node_modules/scorm-again is missing: npm ci');
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package-scorm.mjs'), '--chapters', 'noise,inference', '--title', 'BN Lab: noise and test time', '--out', zipPath]);
  files = new Map(unzip(fs.readFileSync(zipPath)).map((f) => [f.name, f.data]));
  const pages = {
    '/scorm12.js': ['text/javascript', fs.readFileSync(runtimeJs)],
    '/lms.html': ['text/html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>LMS</title>
<script src="/scorm12.js"></script><script>window.API = new Scorm12API({ logLevel: 5 }); window.__calls = [];
for (const name of ['LMSInitialize', 'LMSCommit', 'LMSFinish']) { const f = window.API[name].bind(window.API); window.API[name] = (...a) => { window.__calls.push(name); return f(...a); }; }</script></head>
<body><main><h1>Course</h1><iframe id="lab" title="BN Lab" width="1100" height="900" src="/package/bnlab-lab.html"></iframe></main></body></html>`],
    '/throwing.html': ['text/html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>LMS</title>
<script>window.API = { LMSInitialize() { throw new Error('the LMS session expired'); } };</script></head>
<body><main><h1>Course</h1><iframe id="lab" title="BN Lab" width="1100" height="900" src="/package/bnlab-lab.html"></iframe></main></body></html>`],
  };
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    if (url.startsWith('/package/') && files.has(url.slice('/package/'.length))) {
      res.writeHead(200, { 'Content-Type': url.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/xml' }).end(files.get(url.slice('/package/'.length)));
      return;
    }
    const page = pages[url];
    res.writeHead(page ? 200 : 404, { 'Content-Type': page ? `${page[0]}; charset=utf-8` : 'text/plain' }).end(page ? page[1] : 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  if (server) await closeServer(server);
});

test('the zip holds imsmanifest.xml at its root, well-formed, naming the launch file the zip holds', async () => {
  assert.deepEqual([...files.keys()].sort(), ['bnlab-lab.html', 'imsmanifest.xml']);
  const page = await browser.context.newPage();
  const parsed = await page.evaluate((xml) => {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    const res = doc.getElementsByTagName('resource')[0];
    return {
      error: doc.getElementsByTagName('parsererror').length, root: doc.documentElement.localName,
      version: doc.getElementsByTagName('schemaversion')[0]?.textContent, href: res?.getAttribute('href'),
      type: res?.getAttributeNS('http://www.adlnet.org/xsd/adlcp_rootv1p2', 'scormtype'), file: doc.getElementsByTagName('file')[0]?.getAttribute('href'),
    };
  }, files.get('imsmanifest.xml').toString());
  assert.deepEqual(parsed, { error: 0, root: 'manifest', version: '1.2', href: 'bnlab-lab.html', type: 'sco', file: 'bnlab-lab.html' });
  assert.ok(files.has(parsed.href));
  assert.match(files.get('bnlab-lab.html').toString(), /<meta name="bnlab-lesson" content="noise,inference">/);
  await page.close();
});

async function predictIn(frame, chapter, value) {
  await frame.evaluate((id) => { window.location.hash = `#${id}`; }, chapter);
  await frame.waitForFunction(([sel, id]) => document.querySelector(sel)?.dataset.chapter === id && document.querySelector(sel)?.dataset.state === 'done', [visible, chapter], { timeout: 300000, polling: 200 });
  const field = `${visible} .predict input[inputmode="decimal"]`;
  await frame.fill(field, String(value));
  await frame.press(field, 'Enter');
  await frame.waitForSelector(`[data-predict-score="${chapter}"]`);
}

test('in an LMS with scorm-again\'s runtime, the lab records the interactions, the score and completed, and finishes', async () => {
  const page = await browser.context.newPage();
  const { problems } = await watchPage(page);
  await page.goto(`${base}/lms.html`);
  const frame = await (await page.$('#lab')).contentFrame();
  await frame.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => JSON.parse(JSON.stringify(window.API.cmi)).core.lesson_status), 'incomplete');
  await predictIn(frame, 'noise', 0.35);
  assert.equal(await page.evaluate(() => JSON.parse(JSON.stringify(window.API.cmi)).core.lesson_status), 'incomplete', 'one of two chapters done');
  await predictIn(frame, 'inference', 50);
  // What the LMS would store: the runtime's own JSON of its CMI (interactions are write-only to the SCO).
  const record = await page.evaluate(() => {
    const cmi = JSON.parse(JSON.stringify(window.API.cmi));
    const list = (v) => (Array.isArray(v) ? v : Object.values(v || {}));
    return {
      status: cmi.core.lesson_status, raw: cmi.core.score.raw, min: cmi.core.score.min, max: cmi.core.score.max,
      interactions: list(cmi.interactions.childArray ?? cmi.interactions).map((i) => ({
        id: i.id, type: i.type, response: i.student_response, pattern: list(i.correct_responses?.childArray ?? i.correct_responses)[0]?.pattern, result: i.result, latency: i.latency, time: i.time,
      })),
      calls: [...window.__calls],
    };
  });
  const entries = await frame.evaluate(() => window.bnlab.predictions.entries);
  fs.writeFileSync(path.join(outDir, 'scorm-record.json'), JSON.stringify(record, null, 1));
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.interactions.map((i) => [i.id, i.type, i.response]), [['noise-512-vs-64', 'numeric', '0.35'], ['inference-batch-of-one', 'numeric', '50']]);
  for (const [i, e] of entries.entries()) {
    assert.equal(Number(record.interactions[i].pattern), Math.round(e.measured * 1000) / 1000);
    assert.equal(record.interactions[i].result, e.correct ? 'correct' : 'wrong');
    assert.match(record.interactions[i].latency, /^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/);  // scorm-again keeps it as HH:MM:SS.SS
  }
  assert.equal(Number(record.raw), Math.round(50 * (entries[0].score + entries[1].score)));
  assert.deepEqual([record.min, record.max], ['0', '100']);
  assert.deepEqual(record.calls.filter((c) => c === 'LMSInitialize'), ['LMSInitialize']);
  // leaving the lab (the LMS closes the frame) finishes the session
  await page.evaluate(() => { document.getElementById('lab').src = 'about:blank'; });
  await page.waitForFunction(() => window.__calls.includes('LMSFinish'), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.API.isTerminated()), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without a runtime the packaged lab works and logs nothing as an error; a throwing runtime is one console line', async () => {
  const page = await browser.context.newPage();
  const { problems } = await watchPage(page);
  const lines = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${base}/package/bnlab-lab.html#inference`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => window.bnlabScorm), null);
  assert.ok(await page.isVisible(`${visible} .predict`));
  assert.deepEqual(problems, []);
  assert.deepEqual(lines.filter((l) => /^(error|warning)/.test(l) && /SCORM/.test(l)), []);
  await page.goto(`${base}/throwing.html`);
  const frame = await (await page.$('#lab')).contentFrame();
  await frame.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  assert.deepEqual(lines.filter((l) => /SCORM/.test(l)), ['warning: SCORM: LMSInitialize threw (the LMS session expired); the lab keeps working without the LMS']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a package with the images chapter ships its Fashion-MNIST subset beside the launch page, and the chapter trains from it', async (t) => {
  const data = path.join(repoRoot, 'web', 'generated', 'fashion-mnist-subset.bin');
  if (!fs.existsSync(data)) {
    t.skip('web/generated/fashion-mnist-subset.bin is missing: install dataset-fashion-mnist (bash scripts/setup.sh) and run node scripts/build-data.mjs');
    return;
  }
  const imagesZip = path.join(outDir, 'bnlab-scorm-images-test.zip');
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'package-scorm.mjs'), '--chapters', 'images', '--out', imagesZip]);
  const packed = new Map(unzip(fs.readFileSync(imagesZip)).map((f) => [f.name, f.data]));
  assert.deepEqual([...packed.keys()].sort(), ['bnlab-lab.html', 'fashion-mnist-subset.bin', 'imsmanifest.xml']);
  assert.ok(packed.get('fashion-mnist-subset.bin').equals(fs.readFileSync(data)));
  assert.match(packed.get('imsmanifest.xml').toString(), /<file href="fashion-mnist-subset.bin"\/>/);
  assert.match(packed.get('bnlab-lab.html').toString(), /connect-src 'self'/);
  // Served as an LMS would (the zip's files under one folder, same origin), no runtime.
  const folder = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname.slice(1);
    const body = packed.get(name);
    res.writeHead(body ? 200 : 404, { 'Content-Type': name.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' }).end(body || 'not found');
  });
  await new Promise((resolve) => folder.listen(0, '127.0.0.1', resolve));
  const page = await browser.context.newPage();
  const { problems } = await watchPage(page);
  try {
    await page.goto(`http://127.0.0.1:${folder.address().port}/bnlab-lab.html#images?steps=250&predict=off`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
    if (await page.$eval(visible, (s) => s.dataset.state) !== 'running') await page.click(`${visible} [data-action="run"]`);
    await page.waitForFunction((sel) => ['done', 'failed'].includes(document.querySelector(sel)?.dataset.state), visible, { timeout: 300000, polling: 500 });
    assert.equal(await page.$eval(visible, (s) => s.dataset.state), 'done', await page.$eval(visible, (s) => s.textContent.slice(0, 300)));
    assert.match(await page.textContent(`${visible} [data-takeaway="images"]`), /on Fashion-MNIST: test accuracy \d/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await new Promise((resolve) => folder.close(resolve));
  }
});
