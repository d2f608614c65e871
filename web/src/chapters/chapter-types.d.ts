// What a chapter module (web/src/chapters/NAME.js) may declare: its default export is a
// ChapterModule, listed in chapters/index.js. The page reads it in main.js (navigation, the URL
// hash, the engine's preset), ui/panel.js (the panel: controls, charts, runs, takeaway),
// ui/predict.js and predict.js (the "Predict first" question). docs/adding-a-chapter.md walks
// through a new chapter. Types only, for tsc --checkJs: annotate a module with
//   /** @type {import('./chapter-types').ChapterModule} */
//   export default { ... };
import type {
  Axis, ChartUpdate, FieldChartOptions, Frame, LineChartOptions, ScatterChartOptions,
} from '../charts/chart-types';

/**
 * A result, preset or spec as the engine gives it: JSON whose shape each chapter's core defines
 * (docs/chapters/NAME.md), read defensively (`result?.nets?.bn`) because a running result is partial.
 */
export type EngineJson = any;

/** A control's value: a number (choice, integer, number), a string (choice) or a boolean (toggle). */
export type ControlValue = number | string | boolean;

/**
 * The controls' values by control key. A chapter reads the keys it declared; each value has the
 * type its control's kind gives (state.js parses and checks them), so it is not narrowed here.
 */
export type Values = Record<string, any>;

/** An option of a choice control: the value itself, or a value with the label shown for it. */
export type ControlOption = ControlValue | { value: ControlValue; label: string };

interface ControlCommon {
  /** The URL hash's name for it (#speed?lr=0.3) and the key in Values. */
  key: string;
  label: string;
  /** Where it lives in the engine's spec ('train.lr'), read for the default and written for a run. */
  path?: string;
  /** The value when the preset has none at `path` (and always for a view control). */
  fallback?: ControlValue;
  /** A sentence under the control; may mark glossary terms [[id]]. */
  hint?: string;
  /** Changes only how the result is drawn: no new run (render is called again). */
  view?: boolean;
  /** Drives the chapter's live view (`live`), not the sweep. */
  live?: boolean;
  /** Instead of `path`: the default read from the preset spec. */
  read?(preset: EngineJson): ControlValue | undefined;
  /** Instead of `path`: puts the value into a run's spec. */
  write?(spec: EngineJson, value: ControlValue): void;
}

export interface ChoiceControl extends ControlCommon {
  kind: 'choice';
  options: ControlOption[];
}

export interface NumberControl extends ControlCommon {
  kind: 'integer' | 'number';
  min: number;
  max: number;
  step?: number;
  /** Drawn as a slider (with the number beside it). */
  slider?: boolean;
  /** Named after the value ("examples"). */
  unit?: string;
}

export interface ToggleControl extends ControlCommon {
  kind: 'toggle';
}

/** One control of a chapter's form, by kind (ui/controls.js draws it, state.js parses it). */
export type Control = ChoiceControl | NumberControl | ToggleControl;

/** Fields every chart declaration has: `id` names it for render (charts.get(id)). */
interface ChartDefCommon {
  id: string;
  title: string;
  description?: string;
  /** Charts of one group sit side by side. */
  group?: string;
}

/** A chart declaration by kind ('line' when kind is left out); the panel adds `name`. */
export type ChartDef =
  | (ChartDefCommon & { kind?: 'line' } & Omit<LineChartOptions, 'name' | 'title'>)
  | (ChartDefCommon & { kind: 'scatter' } & Omit<ScatterChartOptions, 'name' | 'title'>)
  | (ChartDefCommon & { kind: 'field' } & Omit<FieldChartOptions, 'name' | 'title'>)
  | (ChartDefCommon & { kind: 'images'; x?: Axis; y?: Axis });

/** A chart as render sees it: update() with the data of its kind (charts/chart-types.d.ts). */
export interface ChapterChart {
  frame: Frame;
  update(data: ChartUpdate): void;
}

/**
 * The chapter's charts by id. The panel builds one for every declared chart before it calls
 * render, so every declared id is there (a Map of them).
 */
export interface ChapterCharts {
  get(id: string): ChapterChart;
}

/** The takeaway object (BRIEF interface 1); a plain string is a headline without details. */
export interface TakeawayObject {
  /** One plain sentence answering the chapter's question from this run. */
  headline: string;
  /** Further numbers, shown collapsed ("Details of this run"). */
  details?: string[];
  /** A visible box where the measurement disagrees with the lecture or a paper. */
  callout?: { title: string; text: string } | null;
}

/** What render returns: a takeaway, or nothing (the panel then keeps what it shows). */
export type Takeaway = string | TakeawayObject | null | undefined;

/** A point the live view adds each time it finishes (live.visit), keyed by what the student chose. */
export interface Visit {
  /** The live control's value the point was measured at (the chapters' live controls are numbers). */
  key: number;
  [field: string]: any;
}

/** The run kept faded after a change of settings (until "Clear previous run"). */
export interface PreviousRun {
  result: EngineJson;
  /** Names the settings that differ, e.g. "learning rate 0.01". */
  label: string;
  values: Values;
}

/** render's third argument. */
export interface RenderContext {
  values: Values;
  /** The spec of the result shown. */
  spec?: EngineJson;
  visits: Map<number, Visit>;
  previous: PreviousRun | null;
  /** The result is the chapter's `precomputed` one, not the student's run. */
  precomputed: boolean;
}

/**
 * A small view that re-runs at once when a `live: true` control moves (debounced; the previous
 * runs are cancelled), with its own charts.
 */
export interface LiveView {
  heading?: string;
  intro?: string[];
  /** Wait after the last change before a run starts (ms, default 150). */
  debounceMs?: number;
  /** The specs to run side by side on the worker pool, from the sweep's spec and the values. */
  specs(sweep: EngineJson, values: Values): EngineJson[];
  /** The message while they train. */
  pending?(values: Values): string;
  /** The live charts, or a function of the preset (an engine may lack a field). */
  charts: ChartDef[] | ((preset: EngineJson) => ChartDef[]);
  /** Draws the parts (one result per spec, null until it has one); returns the live takeaway. */
  render(parts: Array<EngineJson | null>, charts: ChapterCharts, context: { values: Values; done: boolean }): Takeaway;
  /** A finished live run's point for the sweep's charts (kept in `visits`), or null. */
  visit?(parts: Array<EngineJson | null>, values: Values): Visit | null;
}

/** Evidence from the literature, shown in a box (before the intro with `evidenceFirst`). */
export interface Evidence {
  title: string;
  paragraphs: string[];
  link?: { href: string; text: string };
}

/** The student's answer to a prediction question. */
export type Answer = string | number;

/** What a run measured for the question; null when the run has no such number. */
export interface Measured {
  value: Answer;
  /** The measurement in words, shown beside the prediction. */
  text: string;
  [field: string]: any;
}

/** A point question's chart: the answer is a y at `x`, on axes of this look. */
export interface PredictPoint {
  x: number;
  /** The x in words ("a test batch of 1"). */
  xText?: string;
  xLabel: string;
  yLabel: string;
  xDomain: [number, number];
  xLog?: boolean;
  xTicks?: number[];
  /** Points drawn as known (e.g. the value at 64 the answer is relative to). */
  given?: Array<{ x: number; y: number; label?: string }>;
  /** A horizontal reference line (chance). */
  reference?: { y: number; label: string };
  /** What an arrow key moves the answer by. */
  keyStep?: number;
}

/** Predict, then run (predict.js): a question answered before the run, scored against it. */
export interface PredictQuestion {
  /** A short lower-case id (the log's key). */
  id: string;
  question: string;
  kind: 'choice' | 'number';
  choices?: Array<{ value: Answer; label: string }>;
  range?: { min: number; max: number; unit?: string; step?: number };
  /** Why the run may not measure it (shown when measure returns null). */
  missing?: string;
  /** Answered on a chart as well (issue 17's charts/predict-point.js, on its way): where and how. */
  point?: PredictPoint;
  measure(result: EngineJson, context?: { values?: Values; precomputed?: boolean }): Measured | null;
  score(answer: any, measured: Measured): { correct: boolean; score: number };
  /** Two sentences quoting the run's own numbers. */
  explain(answer: any, measured: Measured): string;
}

/** What a runner or pool offers a chapter's `prepare` (the data a chapter trains on). */
export interface DataTarget {
  provideData(name: string, bytes: Uint8Array): Promise<{ ok: boolean; error?: string } | null | undefined>;
}

/** A chapter module's default export. */
export interface ChapterModule {
  /** The chapter's id: the spec's "chapter" field and the page's #id address. */
  id: string;
  /** Its number in the lecture ('1', '3b', '2′'), or a mark for an extra chapter ('+', 'R'). */
  number: string;
  /** The name in the navigation. */
  short: string;
  title: string;
  /** The lecture's claim the chapter tests (a blockquote under the title). */
  claim: string;
  intro: string[];
  outro?: string[];
  evidence?: Evidence;
  evidenceFirst?: boolean;
  /** The engine's chapter to take the preset from, when it is not `id`. */
  engineChapter?: string;
  controls: Control[];
  /** The share of the run one press of Step advances (default 0.02). */
  stepFraction?: number;
  /** A chart id placed under the claim, before the intro (the chapter's answer first). */
  lead?: string;
  charts: ChartDef[];
  /**
   * Draws a result (partial while running; null before the first with `precomputed` or visits)
   * on the charts and returns the takeaway.
   */
  render(result: EngineJson, charts: ChapterCharts, context: RenderContext): Takeaway;
  /** Runs the sweep through the pool's cells/merge: true, or only on a pool of minSize members. */
  pooled?: boolean | { minSize?: number; live?: boolean };
  /** Fetches and hands over data before a run: null, or the message to show. */
  prepare?(target: DataTarget): Promise<string | null>;
  /** The preset's result computed ahead, shown until the student's own run has one. */
  precomputed?: EngineJson;
  live?: LiveView;
  /** A heading between the live view and the sweep's charts. */
  sweepHeading?: string;
  predict?: PredictQuestion;
}
