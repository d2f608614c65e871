// The page's controls against the core's one declaration of each spec field (`bnlab schema`):
// a control on a spec field stays inside that field's range, the seed's range is the core's, and
// every value a control offers (each option, both ends of a range, each slider stop) makes a spec
// the core accepts. The chapter docs' field tables name exactly the schema's fields, with its defaults.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chapters } from '../../web/src/chapters/index.js';
import { seedControl } from '../../web/src/chapters/common.js';
import { defaultsFrom, optionValue, parseControl, specFrom } from '../../web/src/state.js';
import { cliPath, engine, repoRoot, runCli } from './helpers.js';

function schemaOf(chapter) {
  const out = runCli(['schema', chapter]);
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
}

// The schema of a dotted spec path ("train.batch_size"), or undefined.
function fieldAt(schema, dotted) {
  return dotted.split('.').reduce((node, key) => node?.properties?.[key], schema);
}

function offered(control) {
  if (control.kind === 'choice') return control.options.map(optionValue);
  if (control.kind === 'toggle') return [true, false];
  if (control.slider) {
    const stops = [];
    for (let v = control.min; v <= control.max; v += control.step ?? 1) stops.push(v);
    return stops;
  }
  return [control.min, control.max];
}

function within(field, value) {
  if (typeof value !== 'number') return field.enum ? field.enum.includes(value) : field.type === typeof value;
  if (field.minimum !== undefined && value < field.minimum) return false;
  if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return false;
  return field.maximum === undefined || value <= field.maximum;
}

test('the native CLI is built (the schema comes from it)', () => {
  assert.ok(cliPath(), 'build/native/bnlab is missing: npm run build:native');
});

test('the seed control has the core\'s range, and reads 2^53 exactly while refusing 2^53 + 1', () => {
  const seed = schemaOf('speed').properties.seed;
  assert.equal(seedControl.min, seed.minimum);
  assert.equal(seedControl.max, seed.maximum);
  assert.deepEqual(parseControl(seedControl, '9007199254740992'), { value: 2 ** 53 });
  assert.match(parseControl(seedControl, '9007199254740993').error, /must be in \[0, 9007199254740992\]/);
  assert.match(parseControl(seedControl, '-1').error, /must be in/);
});

test('every control on a spec field stays inside the field\'s schema, and every value it offers is accepted by the core', async () => {
  const lab = await engine();
  let checked = 0;
  for (const chapter of chapters) {
    const schema = schemaOf(chapter.id);
    const preset = lab.preset(chapter.id);
    assert.equal(preset.ok, true, preset.error);
    const presetSpec = preset.value;
    const sweepControls = chapter.controls.filter((c) => !c.view && !c.live);
    const defaults = defaultsFrom(sweepControls, presetSpec);
    for (const control of sweepControls) {
      const where = `${chapter.id}: control ${control.key}`;
      const values = offered(control);
      if (control.path) {
        const field = fieldAt(schema, control.path);
        assert.ok(field, `${where}: ${control.path} is not a field of the spec`);
        for (const v of values) assert.ok(within(field, v), `${where} offers ${v}, outside spec.${control.path} ${JSON.stringify(field)}`);
      }
      for (const v of values) {
        const spec = specFrom(presetSpec, sweepControls, { ...defaults, [control.key]: v });
        const out = lab.validate(JSON.stringify(spec));
        assert.equal(out.ok, true, `${where} = ${v}: the core refuses it: ${out.error}`);
        checked += 1;
      }
    }
    // The live view's controls: each stop makes specs the core accepts.
    const liveControls = chapter.controls.filter((c) => c.live);
    for (const control of liveControls) {
      for (const v of offered(control)) {
        const values = { ...defaultsFrom(chapter.controls, presetSpec), [control.key]: v };
        for (const spec of chapter.live.specs(specFrom(presetSpec, sweepControls, values), values)) {
          const out = lab.validate(JSON.stringify(spec));
          assert.equal(out.ok, true, `${chapter.id}: live ${control.key} = ${v}: the core refuses it: ${out.error}`);
          checked += 1;
        }
      }
    }
  }
  assert.ok(checked >= 60, `only ${checked} values checked`);
});

// docs/chapters/<chapter>.md: the "Spec fields" table, | `field` | default | meaning |.
function docRows(chapter) {
  const file = path.join(repoRoot, 'docs', 'chapters', `${chapter}.md`);
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('## Spec fields');
  assert.ok(start >= 0, `${file}: no "## Spec fields" section`);
  const section = text.slice(start, text.indexOf('\n## ', start + 1) >>> 0);
  const rows = [];
  for (const line of section.split('\n')) {
    // "| `seed`, `seeds` | 1, 5 |": one row for two fields, their defaults in order
    const m = /^\| ((?:`[a-z_]+`(?:, )?)+) \| ([^|]*) \|/.exec(line);
    if (!m) continue;
    const names = [...m[1].matchAll(/`([a-z_]+)`/g)].map((n) => n[1]);
    const values = names.length > 1 ? m[2].split(/,\s*/) : [m[2]];
    names.forEach((field, i) => rows.push({ field, value: (values[i] ?? '').trim() }));
  }
  return rows;
}

// "moons, n_train 1024, noise 0.1" -> each "name value" of a sub-field, and bare words.
function mentions(text) {
  return text.replace(/\*\*/g, '').split(/,\s*(?![^[]*\])/).map((t) => t.trim()).filter(Boolean);
}

const same = (doc, value) => {
  const text = doc.replace(/^`|`$/g, '').replace(/\s+/g, '').replace(/−/g, '-');
  const want = JSON.stringify(value).replace(/"/g, '');
  return text === want || text.replace(/"/g, '') === want || Number(text) === value
    || (typeof value === 'boolean' && text === String(value));
};

test('each chapter\'s docs table names exactly the schema\'s fields, with the schema\'s defaults', () => {
  let compared = 0;
  for (const chapter of chapters) {
    const rows = docRows(chapter.id);
    if (!rows) continue;
    const schema = schemaOf(chapter.id);
    const fields = Object.keys(schema.properties).sort();
    assert.deepEqual(rows.map((r) => r.field).sort(), fields, `docs/chapters/${chapter.id}.md: the field table and bnlab schema ${chapter.id} name different fields`);
    for (const { field, value } of rows) {
      const s = schema.properties[field];
      if (s.type === 'object') {
        for (const part of mentions(value)) {
          const m = /^([a-z_]+) (.+)$/.exec(part);
          if (m && s.properties[m[1]] && 'default' in s.properties[m[1]]) {
            assert.ok(same(m[2], s.properties[m[1]].default), `docs/chapters/${chapter.id}.md: ${field}.${m[1]} is documented as ${m[2]}, its default is ${JSON.stringify(s.properties[m[1]].default)}`);
            compared += 1;
          }
        }
      } else if ('default' in s && !/see below|every layer|follows/.test(value)) {
        assert.ok(same(value, s.default), `docs/chapters/${chapter.id}.md: ${field} is documented with default ${value}, the schema says ${JSON.stringify(s.default)}`);
        compared += 1;
      }
    }
  }
  assert.ok(compared >= 40, `only ${compared} defaults compared`);
});
