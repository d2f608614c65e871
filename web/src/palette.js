// Okabe-Ito colours that pass 3:1 on white, each paired with a dash pattern and a marker so that
// colour is never the only encoding.
export const colors = Object.freeze({
  blue: '#0072B2',
  vermillion: '#D55E00',
  green: '#009E73',
  purple: '#CC79A7',
  black: '#000000',
});

export const styles = Object.freeze([
  { color: colors.blue, dash: '', marker: 'circle' },
  { color: colors.vermillion, dash: '7 4', marker: 'square' },
  { color: colors.green, dash: '2 3', marker: 'triangle' },
  { color: colors.purple, dash: '9 3 2 3', marker: 'diamond' },
  { color: colors.black, dash: '4 2', marker: 'cross' },
]);

/** @param {number} index */
export const styleAt = (index) => styles[index % styles.length];
