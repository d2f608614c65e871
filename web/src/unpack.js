// Puts a packed result ({meta, arrays}, see bindings/embind.cpp) back together:
// every {"$array": k} in meta becomes arrays[k] (a Float64Array; NaN where the core wrote null).
export function unpack(packed) {
  if (!packed || typeof packed.meta !== 'string') return null;
  const arrays = packed.arrays || [];
  return JSON.parse(packed.meta, (key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '$array') return arrays[value.$array];
    }
    return value;
  });
}

// The typed arrays of a packed result, for postMessage's transfer list.
export function transferables(packed) {
  return (packed?.arrays || []).map((a) => a.buffer);
}
