// Loading the wasm module under Node (tests, scripts): what the browser module web/src/engine.js
// leaves out. Emscripten 3.1.6's ES module output still reads __dirname and require() under
// Node, so both are set before it is imported, and the binary is passed in (no fetch of file URLs).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadEngine } from '../../web/src/engine.js';

// Sets the two globals for the module at modulePath (a file path); safe to call repeatedly.
export function prepareNode(modulePath) {
  const moduleUrl = pathToFileURL(modulePath).href;
  globalThis.require ??= createRequire(moduleUrl);
  globalThis.__dirname ??= path.dirname(fileURLToPath(moduleUrl));
  return moduleUrl;
}

// The wrapped engine (engine.js's loadEngine) from bnlab.mjs + bnlab.wasm in a folder.
export function loadNodeEngine(modulePath, wasmPath = modulePath.replace(/\.mjs$/, '.wasm')) {
  const moduleUrl = prepareNode(modulePath);
  return loadEngine({ moduleUrl, wasmBinary: fs.readFileSync(wasmPath) });
}
