// The wasm module's size by section (code, data, ...) and its code attributed to where it comes
// from (libc++, JSON (nlohmann), Eigen, embind, libc, the spec machinery, the chapters, the
// training core), by parsing the module in Node: no wabt needed.
//
// Function names: the release module carries none (stripped); the link writes them beside it
// (--emit-symbol-map -> web/generated/bnlab.mjs.symbols, "index:name" per line, names mangled; the
// symbol map does not change the module's bytes). A module with a name section (-g,
// --profiling-funcs) is read the same way. Names are demangled with c++filt when it is installed.
//
//   node scripts/bench/wasm-size.mjs [module.wasm]     prints the table (markdown rows)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sectionNames = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

// ---- reading the binary format (https://webassembly.github.io/spec/core/binary/)
function reader(bytes, offset = 0) {
  const r = {
    pos: offset,
    u32() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[r.pos++];
        result += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return result;
        shift += 7;
      }
    },
    name() {
      const n = r.u32();
      const s = Buffer.from(bytes.buffer, bytes.byteOffset + r.pos, n).toString('utf8');
      r.pos += n;
      return s;
    },
  };
  return r;
}

// Sections in order: {id, name, start (of the payload), size (payload), headerSize}.
export function sections(bytes) {
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module (no \\0asm magic)');
  const out = [];
  const r = reader(bytes, 8);
  while (r.pos < bytes.length) {
    const begin = r.pos;
    const id = bytes[r.pos++];
    const size = r.u32();
    const start = r.pos;
    let name = sectionNames[id] || `unknown ${id}`;
    if (id === 0) name = `custom "${reader(bytes, start).name()}"`;
    out.push({ id, name, start, size, headerSize: start - begin });
    r.pos = start + size;
  }
  return out;
}

// The number of imported functions (they come first in the function index space).
function importedFunctions(bytes, section) {
  if (!section) return 0;
  const r = reader(bytes, section.start);
  let functions = 0;
  const count = r.u32();
  for (let i = 0; i < count; i += 1) {
    r.name();
    r.name();
    const kind = bytes[r.pos++];
    if (kind === 0) { r.u32(); functions += 1; }
    else if (kind === 1) { r.pos += 1; const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }  // table
    else if (kind === 2) { const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }  // memory
    else if (kind === 3) r.pos += 2;  // global: type, mutability
    else if (kind === 4) { r.pos += 1; r.u32(); }  // tag: attribute, type
    else throw new Error(`import kind ${kind}`);
  }
  return functions;
}

// Each defined function's body: {index (in the function index space), start, size (bytes incl. its size prefix)}.
function functionBodies(bytes, code, imported) {
  const r = reader(bytes, code.start);
  const count = r.u32();
  const bodies = [];
  for (let i = 0; i < count; i += 1) {
    const begin = r.pos;
    const size = r.u32();
    r.pos += size;
    bodies.push({ index: imported + i, start: begin, size: r.pos - begin });
  }
  return bodies;
}

function dataSegments(bytes, data) {
  if (!data) return [];
  const r = reader(bytes, data.start);
  const count = r.u32();
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const kind = r.u32();
    if (kind === 2) r.u32();
    if (kind === 0 || kind === 2) while (bytes[r.pos++] !== 0x0b);  // the offset expression
    const size = r.u32();
    out.push({ start: r.pos, size });
    r.pos += size;
  }
  return out;
}

// Function names from a name section (subsection 1) when the module has one.
function nameSection(bytes, list) {
  const names = new Map();
  const s = list.find((x) => x.name === 'custom "name"');
  if (!s) return names;
  const r = reader(bytes, s.start);
  r.name();
  while (r.pos < s.start + s.size) {
    const id = bytes[r.pos++];
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const count = r.u32();
      for (let i = 0; i < count; i += 1) {
        const index = r.u32();
        names.set(index, r.name());
      }
    }
    r.pos = end;
  }
  return names;
}

// "index:name" lines (emcc --emit-symbol-map).
function symbolMap(file) {
  const names = new Map();
  if (!file || !fs.existsSync(file)) return names;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) names.set(Number(line.slice(0, colon)), line.slice(colon + 1));
  }
  return names;
}

function demangle(names) {
  const mangled = [...new Set(names.values())].filter((n) => n.startsWith('_Z'));
  if (!mangled.length) return names;
  const r = spawnSync('c++filt', [], { input: mangled.join('\n'), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 || !r.stdout) return names;
  const plain = r.stdout.split('\n');
  const map = new Map(mangled.map((m, i) => [m, plain[i] || m]));
  return new Map([...names].map(([i, n]) => [i, map.get(n) || n]));
}

// Where a function comes from, by its name. The symbol map escapes characters outside
// [A-Za-z0-9_:] as \\XX (hex); identical functions folded into one keep one of their names
// (binaryen's merge-similar-functions prefixes "byn$mgfn-shared$"), so the tally is by the name
// kept, not exact. A std::function's wrapper (__func<F, ...>) counts where F comes from; any
// other template counts where its code comes from (std::vector<Model>'s methods are libc++'s).
const unescape = (name) => name.replace(/\\([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));

// The qualified name without template and call arguments: a::b<x, y>::c(int) -> a::b::c
function owner(name) {
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '<' || ch === '(') depth += 1;
    else if (ch === '>' || ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

// The first template argument of a std::function wrapper, or null.
function wrapped(name) {
  const m = /^std::(__2::)?__function::__(func|alloc_func|value_func)</.exec(name);
  if (!m) return null;
  let depth = 0;
  const from = m[0].length;
  for (let i = from; i < name.length; i += 1) {
    const ch = name[i];
    if (ch === '<' || ch === '(') depth += 1;
    else if (ch === '>' || ch === ')') depth -= 1;
    else if (ch === ',' && depth === 0) return name.slice(from, i).trim();
  }
  return null;
}

const chapterWords = /Speed|Distribution|Ics|Shift|Noise|Regulari[sz]ation|Inference|Images|speed_|distribution_|ics_|shift_|noise_|regularization_|inference_|images_|_chapter|make_chapter|seed_cells|split_seeds|FirstSeed|NetRecord|Experiment|experiments::|inference::|takeaway|checkpoint|_parts::|write_measures|_merge|_result/;
const specWords = /Spec|spec|to_json|from_json|[Ss]chema|json_text|message_text|require|check_|read_|Reader|Checker|write_common|parse_/;

export function originOf(raw) {
  if (!raw) return 'unnamed';
  let name = unescape(raw).replace(/^byn\$mgfn-shared\$/, '');
  const inner = wrapped(name);
  if (inner) name = inner;
  const o = owner(name).replace(/^'lambda'|^\$_\d+/, '');
  if (/^emscripten::|embind|^_embind|^\(anonymous namespace\)::(Lab|outcome|chapters|preset|validate|cells|merge|run|bench|heap|reportProgress)|EmscriptenBindingInitializer/.test(o)) return 'embind (bindings)';
  if (/^nlohmann::/.test(o)) return 'JSON (nlohmann)';
  if (/^Eigen::/.test(o)) return 'Eigen';
  if (/^(std::|__cxa|__cxx|__gxx|__dynamic_cast|__cxxabi|__class_type_info|__si_class|__vmi_class|__terminate|operator new|operator delete|_Unwind|\(anonymous namespace\)::itanium_demangle|abort_message|demangling)/.test(o)) return 'libc++ / libc++abi';
  if (/^bnlab::/.test(o)) {
    if (chapterWords.test(o)) return 'chapters (experiments)';
    if (specWords.test(o)) return 'spec machinery (specs, schema, messages)';
    return 'training core (bnlab)';
  }
  if (/^[A-Za-z_$][A-Za-z0-9_$.]*$/.test(o)) return 'libc (musl, malloc, printf, math)';
  return 'other';
}

const brotli = (body) => zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }).length;

// {total, sections: [{name, size}], functions: n, origins: [{origin, size, functions, brotli}], named}
// parts = false leaves out the sections' and origins' own brotli figures (seconds of brotli-11
// each: the bench's quick mode).
export function wasmSize(wasmFile, symbolsFile = wasmFile.replace(/\.wasm$/, '.mjs.symbols'), { parts = true } = {}) {
  const bytes = fs.readFileSync(wasmFile);
  const list = sections(bytes);
  const code = list.find((s) => s.id === 10);
  const bodies = code ? functionBodies(bytes, code, importedFunctions(bytes, list.find((s) => s.id === 2))) : [];
  let names = nameSection(bytes, list);
  if (!names.size) names = symbolMap(symbolsFile);
  names = demangle(names);
  const byOrigin = new Map();
  for (const b of bodies) {
    const origin = originOf(names.get(b.index));
    const o = byOrigin.get(origin) || { origin, size: 0, functions: 0, chunks: [] };
    o.size += b.size;
    o.functions += 1;
    o.chunks.push(bytes.subarray(b.start, b.start + b.size));
    byOrigin.set(origin, o);
  }
  const data = list.find((s) => s.id === 11);
  const segments = dataSegments(bytes, data);
  return {
    total: bytes.length,
    brotli: brotli(bytes),
    sections: list.map((s) => ({ name: s.name, size: s.size + s.headerSize, brotli: parts ? brotli(bytes.subarray(s.start, s.start + s.size)) : NaN })),
    functions: bodies.length,
    named: names.size > 0,
    dataSegments: segments.length,
    // Each origin's functions compressed on their own: what they would cost alone (brotli finds
    // less to share in a part than in the whole, so these add up to more than the code's figure).
    origins: [...byOrigin.values()].sort((a, b) => b.size - a.size)
      .map(({ chunks, ...o }) => ({ ...o, brotli: parts ? brotli(Buffer.concat(chunks)) : NaN })),
  };
}

// Markdown rows `| measurement | value | note |` for the bench table. `today` (optional) maps a
// row's measurement to the figure it is compared with.
export function wasmSizeRows(wasmFile, today = {}, { parts = true } = {}) {
  const s = wasmSize(wasmFile, undefined, { parts });
  const alone = (v) => (Number.isFinite(v) ? `, ${KB(v)} brotli alone` : '');
  const KB = (v) => `${(v / 1024).toFixed(1)} KB`;
  const was = (label) => (today[label] ? `; today ${today[label]}` : '');
  const rows = [];
  const add = (label, value, note) => rows.push([label, value, note + was(label)]);
  add('wasm module', `${KB(s.total)} raw`, `${KB(s.brotli)} brotli-11; ${s.functions} functions, ${s.dataSegments} data segments`);
  for (const sec of s.sections.filter((x) => x.size >= 256)) add(`wasm section ${sec.name}`, `${KB(sec.size)} raw`, `${((100 * sec.size) / s.total).toFixed(0)}% of the module${alone(sec.brotli)}`);
  if (!s.named) {
    add('wasm code by origin', 'n/a', 'no names: link with --emit-symbol-map (bnlab.mjs.symbols beside the module) or a name section');
    return rows;
  }
  const code = s.sections.find((x) => x.name === 'code');
  for (const o of s.origins) {
    add(`wasm code: ${o.origin}`, `${KB(o.size)} raw`, `${((100 * o.size) / code.size).toFixed(0)}% of code, ${o.functions} functions${alone(o.brotli)}`);
  }
  return rows;
}

// The N largest functions, for finding what to cut: [{name, size, origin}].
export function largestFunctions(wasmFile, n = 40, symbolsFile = wasmFile.replace(/\.wasm$/, '.mjs.symbols')) {
  const bytes = fs.readFileSync(wasmFile);
  const list = sections(bytes);
  const code = list.find((s) => s.id === 10);
  const bodies = functionBodies(bytes, code, importedFunctions(bytes, list.find((s) => s.id === 2)));
  let names = nameSection(bytes, list);
  if (!names.size) names = symbolMap(symbolsFile);
  names = demangle(names);
  return bodies.sort((a, b) => b.size - a.size).slice(0, n)
    .map((b) => ({ name: unescape(names.get(b.index) || `#${b.index}`), size: b.size, origin: originOf(names.get(b.index)) }));
}

// Issue 19's figures for the module before this work (AMD EPYC machine, one run), printed beside
// today's so the bench shows the change: the hosted module, raw and brotli-11.
export const before = { wasmRaw: 759 * 1024, wasmBrotli: 218 * 1024 };

// The bench's rows for the modules in `dir` (bnlab.wasm, and bnlab-first.wasm when built).
// quick: without the parts' own brotli figures (the bench's --quick).
export function wasmSizeTable(dir, { quick = false } = {}) {
  const rows = [];
  const full = path.join(dir, 'bnlab.wasm');
  if (!fs.existsSync(full)) return rows;
  const KB = (v) => `${(v / 1024).toFixed(0)} KB`;
  const today = { 'wasm module': `${KB(before.wasmRaw)} raw, ${KB(before.wasmBrotli)} brotli (issue 19)` };
  rows.push(...wasmSizeRows(full, today, { parts: !quick }).map(([label, value, note]) => [label.replace(/^wasm/, 'wasm bnlab.wasm'), value, note]));
  const first = path.join(dir, 'bnlab-first.wasm');
  if (fs.existsSync(first)) {
    rows.push(...wasmSizeRows(first, today, { parts: !quick }).map(([label, value, note]) => [label.replace(/^wasm/, 'wasm bnlab-first.wasm'), value, note]));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const file = process.argv[2] || path.join(root, 'web', 'generated', 'bnlab.wasm');
  const rows = wasmSizeRows(file);
  console.log(['| measurement | value | note |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n'));
  if (process.argv.includes('--top')) {
    for (const f of largestFunctions(file, 60)) console.log(`${String(f.size).padStart(7)}  ${f.origin.padEnd(28)}  ${f.name.slice(0, 160)}`);
  }
}
