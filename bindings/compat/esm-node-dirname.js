// Prepended (--extern-pre-js) to the hosted ES module build only: web/generated/bnlab.mjs.
// Emscripten 3.1.6's glue reads CommonJS's __dirname as soon as it sees Node, which an ES module
// does not have; this gives it the module's own folder. In a browser it stays '' and is unused.
// Node callers still pass {wasmBinary: fs.readFileSync(path)} to createBnlab (no fetch of a path).
var __dirname = typeof process == 'object' && typeof process.versions == 'object' && process.versions.node
  ? decodeURIComponent(new URL('.', import.meta.url).pathname) : '';
