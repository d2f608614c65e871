// Builds a chapter's controls from its declarative table and reports changes.
import { h, uid } from '../dom.js';
import { richText } from './rich-text.js';
import { optionLabel, optionValue, parseControl } from '../state.js';

/** @typedef {import('../chapters/chapter-types').Control} Control */
/** @typedef {import('../chapters/chapter-types').ChoiceControl} ChoiceControl */
/** @typedef {import('../chapters/chapter-types').NumberControl} NumberControl */
/** @typedef {import('../chapters/chapter-types').ToggleControl} ToggleControl */
/** @typedef {import('../chapters/chapter-types').ControlOption} ControlOption */
/** @typedef {import('../chapters/chapter-types').ControlValue} ControlValue */
/** @typedef {import('../chapters/chapter-types').Values} Values */
/** A control's new value (already parsed and checked). @typedef {(key: string, value: ControlValue) => void} OnChange */
/** A one-line problem with what was typed. @typedef {(message: string) => void} Report */
/**
 * One drawn control: its node, set() to show a value, and the element the panel disables.
 * @typedef {{ node: HTMLElement, set(value: unknown): void, input: HTMLInputElement | HTMLSelectElement }} Widget
 */

/** @param {ChoiceControl} control @param {unknown} value @param {OnChange} onChange @returns {Widget} */
function choiceControl(control, value, onChange) {
  const id = uid(`c-${control.key}`);
  const select = h('select', { id, name: control.key }, control.options.map((o) => {
    const option = h('option', { value: String(optionValue(o)), text: optionLabel(o) });
    if (String(optionValue(o)) === String(value)) option.selected = true;
    return option;
  }));
  select.addEventListener('change', () => {
    const match = control.options.find((o) => String(optionValue(o)) === select.value);
    // The select's options are the control's options, so one matches.
    onChange(control.key, optionValue(/** @type {ControlOption} */ (match)));
  });
  return {
    node: h('div', { class: 'control' }, [h('label', { for: id, text: control.label }), select, hint(control)]),
    /** @param {unknown} v */
    set(v) {
      select.value = String(v);
    },
    input: select,
  };
}

/** @param {ToggleControl} control @param {unknown} value @param {OnChange} onChange @returns {Widget} */
function toggleControl(control, value, onChange) {
  const id = uid(`c-${control.key}`);
  const box = h('input', { id, type: 'checkbox', name: control.key });
  box.checked = !!value;
  box.addEventListener('change', () => onChange(control.key, box.checked));
  return {
    node: h('div', { class: 'control toggle' }, [box, h('label', { for: id, text: control.label }), hint(control)]),
    /** @param {unknown} v */
    set(v) {
      box.checked = !!v;
    },
    input: box,
  };
}

/** @param {NumberControl} control @param {unknown} value @param {OnChange} onChange @param {Report} report @returns {Widget} */
function numberControl(control, value, onChange, report) {
  const id = uid(`c-${control.key}`);
  const input = h('input', {
    id, name: control.key, type: 'number', inputmode: control.kind === 'integer' ? 'numeric' : 'decimal',
    min: control.min, max: control.max, step: control.step ?? (control.kind === 'integer' ? 1 : 'any'),
  });
  input.value = String(value);
  input.addEventListener('change', () => {
    // The same reading as a URL value: exact for whole numbers (2^53 + 1 is refused, not rounded).
    const parsed = parseControl(control, input.value);
    const ok = parsed.error === undefined;
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (parsed.error === undefined) onChange(control.key, parsed.value);
    else report(`${control.label}: "${input.value}" must be ${control.kind === 'integer' ? 'a whole number' : 'a number'} in [${control.min}, ${control.max}]`);
  });
  return {
    node: h('div', { class: 'control' }, [h('label', { for: id, text: control.label }), input, hint(control)]),
    /** @param {unknown} v */
    set(v) {
      input.value = String(v);
      input.setAttribute('aria-invalid', 'false');
    },
    input,
  };
}

// An integer control drawn as a slider (e.g. the mini-batch size, 64 ... 512 in steps of 32): reports
// every movement ('input'), so the panel can debounce and show the value being chosen.
/** @param {NumberControl} control @param {unknown} value @param {OnChange} onChange @returns {Widget} */
function sliderControl(control, value, onChange) {
  const id = uid(`c-${control.key}`);
  const input = h('input', {
    id, name: control.key, type: 'range', min: control.min, max: control.max, step: control.step ?? 1,
  });
  const shown = h('output', { for: id, class: 'slider-value' });
  /** @param {unknown} v */
  const show = (v) => {
    input.value = String(v);
    shown.textContent = input.value;
    input.setAttribute('aria-valuetext', `${input.value}${control.unit ? ` ${control.unit}` : ''}`);
  };
  show(value);
  const report = () => {
    show(input.value);
    onChange(control.key, Number(input.value));
  };
  input.addEventListener('input', report);
  return {
    node: h('div', { class: 'control slider' }, [h('label', { for: id, text: control.label }), h('div', { class: 'slider-row' }, [input, shown]), hint(control)]),
    /** @param {unknown} v */
    set(v) {
      show(v);
    },
    input,
  };
}

/** @param {Control} control */
function hint(control) {
  return control.hint ? h('span', { class: 'hint' }, richText(control.hint)) : null;
}

/** @param {Control[]} controls @param {Values} values @param {OnChange} onChange @param {Report} report */
export function buildControls(controls, values, onChange, report) {
  /** @type {Map<string, Widget>} */
  const widgets = new Map();
  const nodes = controls.map((control) => {
    const value = values[control.key];
    const widget = control.kind === 'choice' ? choiceControl(control, value, onChange)
      : control.kind === 'toggle' ? toggleControl(control, value, onChange)
        : control.slider ? sliderControl(control, value, onChange) : numberControl(control, value, onChange, report);
    widgets.set(control.key, widget);
    return widget.node;
  });
  return {
    nodes,
    /** @param {Values} next */
    set(next) {
      for (const [key, widget] of widgets) if (next[key] !== undefined) widget.set(next[key]);
    },
    /** @param {boolean} flag */
    disable(flag) {
      for (const widget of widgets.values()) widget.input.disabled = flag;
    },
  };
}
