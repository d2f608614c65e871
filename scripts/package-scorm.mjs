// Packages the one-file lab (dist/bnlab-lab.html, from scripts/build-single.mjs) as a SCORM 1.2
// zip for an LMS (Moodle, Canvas, Open edX): imsmanifest.xml at the root and the lab as its one
// launch page, which finds the LMS's runtime and records each prediction (web/src/scorm.js).
//
//   npm run package:scorm -- [--chapters noise,regularization] [--title "BN Lab"] [--out dist/bnlab-scorm.zip] [--data web/generated/fashion-mnist-subset.bin]
//
// --chapters: the chapters that make up the lesson (all when omitted): the lesson is completed once
// each has a prediction scored or skipped, and the score is their mean. The zip is written with
// node's zlib (deflateRaw) and the small writer below (no zip tool needed).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const chapterIds = ['speed', 'distribution', 'shift', 'noise', 'regularization', 'inference', 'ics', 'images'];

// --key value pairs; {options} or {error: one line naming the option}.
export function parseArgs(argv) {
  const options = { chapters: [...chapterIds], title: 'BN Lab: why does batch normalization work?', out: path.join(root, 'dist', 'bnlab-scorm.zip'), lab: path.join(root, 'dist', 'bnlab-lab.html'), data: path.join(root, 'web', 'generated', 'fashion-mnist-subset.bin') };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!['--chapters', '--title', '--out', '--lab', '--data'].includes(key)) return { error: `unknown option "${key}" (one of --chapters, --title, --out, --lab, --data)` };
    if (value === undefined || value.startsWith('--')) return { error: `option ${key} needs a value` };
    if (key === '--chapters') {
      const list = value.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = list.filter((id) => !chapterIds.includes(id));
      if (!list.length || unknown.length) return { error: `--chapters "${value}": ${unknown.length ? `unknown chapter ${unknown.map((u) => `"${u}"`).join(', ')}` : 'no chapter named'} (chapters: ${chapterIds.join(', ')})` };
      options.chapters = [...new Set(list)];
    } else if (key === '--title') {
      if (!value.trim() || value.length > 200) return { error: '--title must be 1 to 200 characters' };
      options.title = value.trim();
    } else options[key.slice(2)] = path.resolve(value);
  }
  return { options };
}

const xml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function manifest({ title, launch, chapters, files = [] }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bnlab-${chapters.join('-')}" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="bnlab-org">
    <organization identifier="bnlab-org">
      <title>${xml(title)}</title>
      <item identifier="bnlab-item" identifierref="bnlab-lab" isvisible="true">
        <title>${xml(title)} (chapters: ${xml(chapters.join(', '))})</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="bnlab-lab" type="webcontent" adlcp:scormtype="sco" href="${xml(launch)}">
      <file href="${xml(launch)}"/>
${files.map((f) => `      <file href="${xml(f)}"/>\n`).join('')}    </resource>
  </resources>
</manifest>
`;
}

// The lesson's chapters, read by web/src/scorm.js from the launch page.
export function withLesson(html, chapters) {
  const meta = `<meta name="bnlab-lesson" content="${xml(chapters.join(','))}">`;
  if (!/<head[^>]*>/i.test(html)) throw new Error('the lab page has no <head>');
  return html.replace(/<meta name="bnlab-lesson"[^>]*>\n?/i, '').replace(/<head[^>]*>/i, (head) => `${head}\n${meta}`);
}

// The images chapter fetches its Fashion-MNIST subset from beside the launch page (same origin on
// the LMS): the package's copy of the lab may connect to its own origin ('self'), nothing else.
export function allowOwnData(html) {
  const csp = /(<meta http-equiv="Content-Security-Policy" content="[^"]*?connect-src )'none'/;
  if (!csp.test(html)) throw new Error('the lab page has no CSP with connect-src \'none\'');
  return html.replace(csp, "$1'self'");
}

// ---- a small zip writer (stored names in UTF-8, deflated data, one central directory) ----
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// DOS date and time of a Date (local fields, as zip tools read them).
function dosTime(date) {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    date: ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

export function zip(files, when = new Date()) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const { time, date } = dosTime(when);
  for (const { name, data } of files) {
    const raw = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    const packed = zlib.deflateRawSync(raw, { level: 9 });
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);       // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6);   // UTF-8 names
    local.writeUInt16LE(8, 8);        // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);     // made by: 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + packed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

// Reads a zip written above (or any zip of deflated/stored entries): [{name, data}].
export function unzip(buf) {
  const endAt = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('not a zip (no end of central directory)');
  const count = buf.readUInt16LE(endAt + 10);
  let at = buf.readUInt32LE(endAt + 16);
  const out = [];
  for (let i = 0; i < count; i += 1) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const size = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const packed = buf.subarray(dataAt, dataAt + size);
    const data = method === 8 ? zlib.inflateRawSync(packed) : Buffer.from(packed);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    out.push({ name, data });
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

function main() {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.error) {
    console.error(`[package-scorm] error: ${parsed.error}`);
    process.exit(2);
  }
  const { options } = parsed;
  if (!fs.existsSync(options.lab)) {
    console.error(`[package-scorm] error: ${path.relative(root, options.lab)} is missing: build the one-file lab first (bash scripts/build.sh wasm)`);
    process.exit(1);
  }
  const launch = 'bnlab-lab.html';
  let html = withLesson(fs.readFileSync(options.lab, 'utf8'), options.chapters);
  // The images chapter's data beside the launch page, when the lesson has that chapter.
  const extra = [];
  if (options.chapters.includes('images')) {
    if (fs.existsSync(options.data)) {
      extra.push({ name: 'fashion-mnist-subset.bin', data: fs.readFileSync(options.data) });
      html = allowOwnData(html);
    } else console.warn(`[package-scorm] warning: ${path.relative(root, options.data)} is missing (node scripts/build-data.mjs): the images chapter will say its data are missing`);
  }
  const body = zip([
    { name: 'imsmanifest.xml', data: manifest({ title: options.title, launch, chapters: options.chapters, files: extra.map((f) => f.name) }) },
    { name: launch, data: html },
    ...extra,
  ]);
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, body);
  console.log(`[package-scorm] ${path.relative(process.cwd(), options.out)}: SCORM 1.2, chapters ${options.chapters.join(', ')} (${(body.length / 1e6).toFixed(1)} MB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
