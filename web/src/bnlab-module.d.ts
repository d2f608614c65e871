// The handle the wasm module gives JS (bindings/embind.cpp), written by hand; engine.js wraps it.
// Every call that can fail returns a RawOutcome: errors are values, the module never throws.

/** ok: the call worked; error: one line naming the field when it did not; value: JSON text. */
export interface RawOutcome {
  ok: boolean;
  error: string;
  value: string | null;
}

/** A steppable run (embind class: free it with delete()). */
export interface Lab {
  /** Data a chapter needs (the library does no I/O), e.g. ('fashion-mnist', the IDX bytes); kept for later starts. */
  provideData(name: string, bytes: Uint8Array): RawOutcome;
  start(spec: string): RawOutcome;
  /** Does about `units` units of work (a slice); value is empty. */
  advance(units: number): RawOutcome;
  running(): boolean;
  done(): boolean;
  /** In [0, 1]. */
  progress(): number;
  cancel(): void;
  /** The result so far as the core's JSON text (partial while running); the page parses it once. */
  resultJson(): string;
  delete(): void;
}

export interface BnlabModule {
  Lab: { new (): Lab };
  chapters(): string[];
  preset(chapter: string): RawOutcome;
  validate(spec: string): RawOutcome;
  /** Bytes malloc holds (used) and the wasm memory's size (total): a read-only debug figure. */
  heap(): { used: number; total: number };
  /** The name of the data a chapter needs from the host ('' = none). */
  requiredData(chapter: string): string;
  /** The whole run at once; onProgress(fraction) after every slice. */
  run(spec: string, onProgress: ((fraction: number) => void) | null): RawOutcome;
  /** The spec split into independent cells: value is a JSON array of complete specs. */
  cells(spec: string): RawOutcome;
  /** cellResults: JSON array in cells() order, each a finished cell result or null; value is the
   * chapter's result JSON (byte-identical to the full run once every cell is present). */
  merge(spec: string, cellResults: string): RawOutcome;
  /** Training throughput (`bnlab bench --json`): value is JSON {training: [{name, batch_norm, steps,
   * batch, seconds, samples_per_second, forward_s, backward_s, update_s}], gemm: [{m, k, n, reps,
   * seconds, gflops}]}. clock returns seconds; null = the engine's wall clock. Both arguments are
   * required (embind checks the count). */
  bench(steps: number, clock: (() => number) | null): RawOutcome;
}

export interface BnlabModuleOptions {
  wasmBinary?: ArrayBuffer | Uint8Array;
  locateFile?: (path: string, prefix: string) => string;
}

/** The factory the module exports (default export of bnlab.mjs; global createBnlab of bnlab-single.js). */
export type BnlabFactory = (options?: BnlabModuleOptions) => Promise<BnlabModule>;
