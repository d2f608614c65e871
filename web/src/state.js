// Chapter state <-> URL hash. A hash looks like  #speed?lr=0.3&batch=64&seed=2 : the chapter, then
// each control's value. Every state is a shareable link; bad values are reported (one line each)
// and replaced by the chapter's defaults, so a mistyped link still opens a working page.

/** @typedef {import('./chapters/chapter-types').Control} Control */
/** @typedef {import('./chapters/chapter-types').ControlValue} ControlValue */
/** @typedef {import('./chapters/chapter-types').ControlOption} ControlOption */
/** @typedef {import('./chapters/chapter-types').Values} Values */
/** A value or a one-line reason it was refused. @typedef {{ value: ControlValue, error?: undefined } | { value?: undefined, error: string }} Parsed */

// A spec or preset is parsed JSON: walked by key, any shape.
/** @param {any} obj @param {string} path @returns {any} */
export function getPath(obj, path) {
  return path.split('.').reduce((/** @type {any} */ node, key) => (node && typeof node === 'object' ? node[key] : undefined), obj);
}

/** @template T @param {T} obj (an object) @param {string} path @param {unknown} value @returns {T} */
export function setPath(obj, path, value) {
  const keys = path.split('.');
  let node = /** @type {any} */ (obj);
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
  return obj;
}

/** @template T @param {T} value @returns {T} */
export const clone = (value) => JSON.parse(JSON.stringify(value));

// For notices: control characters escaped (one line), at most `max` characters then "...".
/** @param {unknown} text @param {number} [max] */
export function clipText(text, max = 60) {
  const s = String(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n'
    : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max).join('')}...` : s;
}

// A decimal number as a person writes it (no hex, no "Infinity", no empty text), refusing one
// that a double cannot hold: too large (becomes Infinity) or too small (1e-400 becomes 0).
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** @param {string} raw @returns {{ value: number, error?: undefined } | { value?: undefined, error: string }} */
export function parseNumber(raw) {
  if (!decimal.test(raw)) return { error: 'must be a number' };
  const value = Number(raw);
  if (!Number.isFinite(value)) return { error: 'is out of the range of a double' };
  if (value === 0 && /[1-9]/.test(raw.split(/[eE]/)[0])) return { error: 'is too small for a double (it would become 0)' };
  return { value: Object.is(value, -0) ? 0 : value };
}

const truthy = new Set(['1', 'true', 'on', 'yes']);
const falsy = new Set(['0', 'false', 'off', 'no']);

// Parses one control's text; returns {value} or {error}.
/** @param {Control} control @param {unknown} text @returns {Parsed} */
export function parseControl(control, text) {
  const raw = String(text).trim();
  switch (control.kind) {
    case 'toggle':
      if (truthy.has(raw.toLowerCase())) return { value: true };
      if (falsy.has(raw.toLowerCase())) return { value: false };
      return { error: 'must be 0 or 1' };
    case 'choice': {
      const { options } = control;
      const numeric = options.some((o) => typeof optionValue(o) === 'number') && decimal.test(raw)
        ? parseNumber(raw) : null;
      if (numeric?.error && !options.some((o) => String(optionValue(o)) === raw)) return numeric;
      const match = options.find((o) => String(optionValue(o)) === raw
        || (typeof optionValue(o) === 'number' && numeric?.value === optionValue(o)));
      if (match === undefined) return { error: `must be one of ${options.map((o) => optionValue(o)).join(', ')}` };
      return { value: optionValue(match) };
    }
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw)) return { error: 'must be a whole number' };
      // Compared as written (BigInt), so a digit past a double's precision (2^53 + 1) is refused,
      // never rounded to a neighbour.
      const exact = BigInt(raw.replace(/^\+/, ''));
      if (exact < BigInt(control.min) || exact > BigInt(control.max)) return { error: `must be in [${control.min}, ${control.max}]` };
      return { value: Number(exact) };
    }
    case 'number': {
      const parsed = parseNumber(raw);
      if (parsed.error !== undefined) return parsed;
      const { value } = parsed;
      if (value < control.min || value > control.max) return { error: `must be in [${control.min}, ${control.max}]` };
      return { value };
    }
    default:
      return { error: 'unknown control' };
  }
}

/** @param {ControlOption} o @returns {ControlValue} */
export const optionValue = (o) => (typeof o === 'object' ? o?.value : o);
/** @param {ControlOption} o @returns {string} */
export const optionLabel = (o) => (typeof o === 'object' ? o?.label : String(o));

/** @param {Control} control @param {unknown} value */
export function formatControl(control, value) {
  if (control.kind === 'toggle') return value ? '1' : '0';
  return String(value);
}

// "#speed?lr=0.3" -> {chapter: 'speed', params: [['lr', '0.3']]}
/** @param {unknown} hash */
export function parseHash(hash) {
  const text = String(hash || '').replace(/^#/, '');
  const cut = text.indexOf('?');  // the first '?' only: a second one belongs to a value
  const head = cut < 0 ? text : text.slice(0, cut);
  const query = cut < 0 ? '' : text.slice(cut + 1);
  let chapter = '';
  try {
    chapter = decodeURIComponent(head).trim();
  } catch {
    chapter = head;
  }
  return { chapter, params: [...new URLSearchParams(query).entries()] };
}

// Values for a chapter's controls from hash params; `defaults` are the preset's values.
// A key given twice is an error: neither value is used (the default is), and the notice says so.
/** @param {Control[]} controls @param {Array<[string, string]>} params @param {Values} defaults */
export function readValues(controls, params, defaults) {
  /** @type {Values} */
  const values = { ...defaults };
  /** @type {string[]} */
  const problems = [];
  const known = new Map(controls.map((c) => [c.key, c]));
  /** @type {Map<string, string[]>} */
  const given = new Map();
  for (const [key, text] of params) given.set(key, [...(given.get(key) || []), text]);
  for (const [key, texts] of given) {
    const control = known.get(key);
    if (!control) {
      problems.push(`ignored unknown setting "${clipText(key)}"`);
      continue;
    }
    const using = `using ${clipText(formatControl(control, defaults[key]))}`;
    if (texts.length > 1) {
      problems.push(`${control.label} (${clipText(key)}) is given ${texts.length} times (${texts.slice(0, 3).map((t) => `"${clipText(t, 20)}"`).join(', ')}${texts.length > 3 ? ', ...' : ''}), so neither is used; ${using}`);
      continue;
    }
    const parsed = parseControl(control, texts[0]);
    if (parsed.error !== undefined) problems.push(`${control.label} "${clipText(texts[0])}" ${parsed.error}; ${using}`);
    else values[key] = parsed.value;
  }
  return { values, problems };
}

/** @param {string} chapter @param {Control[]} controls @param {Values} values */
export function writeHash(chapter, controls, values) {
  const params = new URLSearchParams();
  for (const control of controls) {
    if (values[control.key] !== undefined) params.set(control.key, formatControl(control, values[control.key]));
  }
  const query = params.toString();
  return `#${chapter}${query ? `?${query}` : ''}`;
}

// Control defaults read from the preset spec (the C++ core owns every default).
/** @param {Control[]} controls @param {any} preset the preset spec (parsed JSON) @returns {Values} */
export function defaultsFrom(controls, preset) {
  /** @type {Values} */
  const out = {};
  for (const control of controls) {
    if (control.view) {
      out[control.key] = control.fallback;
      continue;
    }
    const v = control.read ? control.read(preset) : getPath(preset, /** @type {string} */ (control.path));
    out[control.key] = v === undefined ? control.fallback : v;
  }
  return out;
}

/** @param {any} preset the preset spec (parsed JSON) @param {Control[]} controls @param {Values} values */
export function specFrom(preset, controls, values) {
  const spec = clone(preset);
  for (const control of controls) {
    const value = values[control.key];
    if (value === undefined || control.view) continue;
    if (control.write) control.write(spec, value);
    else setPath(spec, /** @type {string} */ (control.path), value);
  }
  return spec;
}
