// Chapter state <-> URL hash. A hash looks like  #speed?lr=0.3&batch=64&seed=2 : the chapter, then
// each control's value. Every state is a shareable link; bad values are reported (one line each)
// and replaced by the chapter's defaults, so a mistyped link still opens a working page.
export function getPath(obj, path) {
  return path.split('.').reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), obj);
}

export function setPath(obj, path, value) {
  const keys = path.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
  return obj;
}

export const clone = (value) => JSON.parse(JSON.stringify(value));

const truthy = new Set(['1', 'true', 'on', 'yes']);
const falsy = new Set(['0', 'false', 'off', 'no']);

// Parses one control's text; returns {value} or {error}.
export function parseControl(control, text) {
  const raw = String(text).trim();
  switch (control.kind) {
    case 'toggle':
      if (truthy.has(raw.toLowerCase())) return { value: true };
      if (falsy.has(raw.toLowerCase())) return { value: false };
      return { error: 'must be 0 or 1' };
    case 'choice': {
      const match = control.options.find((o) => String(optionValue(o)) === raw
        || (typeof optionValue(o) === 'number' && raw !== '' && Number(raw) === optionValue(o)));
      if (match === undefined) return { error: `must be one of ${control.options.map((o) => optionValue(o)).join(', ')}` };
      return { value: optionValue(match) };
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw)) return { error: 'must be a whole number' };
      const value = Number(raw);
      if (value < control.min || value > control.max) return { error: `must be in [${control.min}, ${control.max}]` };
      return { value };
    }
    case 'number': {
      const value = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) return { error: 'must be a number' };
      if (value < control.min || value > control.max) return { error: `must be in [${control.min}, ${control.max}]` };
      return { value };
    }
    default:
      return { error: 'unknown control' };
  }
}

export const optionValue = (o) => (o && typeof o === 'object' ? o.value : o);
export const optionLabel = (o) => (o && typeof o === 'object' ? o.label : String(o));

export function formatControl(control, value) {
  if (control.kind === 'toggle') return value ? '1' : '0';
  return String(value);
}

// "#speed?lr=0.3" -> {chapter: 'speed', params: [['lr', '0.3']]}
export function parseHash(hash) {
  const text = String(hash || '').replace(/^#/, '');
  const [head, query = ''] = text.split('?');
  let chapter = '';
  try {
    chapter = decodeURIComponent(head).trim();
  } catch {
    chapter = head;
  }
  return { chapter, params: [...new URLSearchParams(query).entries()] };
}

// Values for a chapter's controls from hash params; `defaults` are the preset's values.
export function readValues(controls, params, defaults) {
  const values = { ...defaults };
  const problems = [];
  const known = new Map(controls.map((c) => [c.key, c]));
  for (const [key, text] of params) {
    const control = known.get(key);
    if (!control) {
      problems.push(`ignored unknown setting "${key}"`);
      continue;
    }
    const parsed = parseControl(control, text);
    if (parsed.error) problems.push(`${control.label} "${text}" ${parsed.error}; using ${formatControl(control, defaults[key])}`);
    else values[key] = parsed.value;
  }
  return { values, problems };
}

export function writeHash(chapter, controls, values) {
  const params = new URLSearchParams();
  for (const control of controls) {
    if (values[control.key] !== undefined) params.set(control.key, formatControl(control, values[control.key]));
  }
  const query = params.toString();
  return `#${chapter}${query ? `?${query}` : ''}`;
}

// Control defaults read from the preset spec (the C++ core owns every default).
export function defaultsFrom(controls, preset) {
  const out = {};
  for (const control of controls) {
    if (control.view) {
      out[control.key] = control.fallback;
      continue;
    }
    const v = control.read ? control.read(preset) : getPath(preset, control.path);
    out[control.key] = v === undefined ? control.fallback : v;
  }
  return out;
}

export function specFrom(preset, controls, values) {
  const spec = clone(preset);
  for (const control of controls) {
    const value = values[control.key];
    if (value === undefined || control.view) continue;
    if (control.write) control.write(spec, value);
    else setPath(spec, control.path, value);
  }
  return spec;
}
