// What the chart modules (line-chart.js, scatter-chart.js, field-chart.js, image-grid.js) take and
// return: the options a chapter's chart declaration gives (web/src/chapters/chapter-types.d.ts), the
// data of update(), and the handle the panel keeps. Types only, for tsc --checkJs.

/** Numbers as a result carries them: a JSON array or a typed array. Non-finite entries are gaps. */
export type Numbers = ArrayLike<number> & Iterable<number>;

/** A point marker's shape (marker.js); anything else is drawn as a circle. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | (string & {});

/** One line of a legend (frame.js legendItem). */
export interface LegendItem {
  label: string;
  /** Left out: the browser's default (black). */
  color?: string;
  /** SVG stroke-dasharray, '' for a solid line. */
  dash?: string;
  marker?: MarkerShape | null;
  /** A shaded swatch behind the line (a band or a region). */
  band?: boolean;
}

/** A table of the chart's data: the data table and the CSV/JSON exports. */
export interface ExportTable {
  columns: string[];
  rows: Array<Array<string | number | null | undefined>>;
}

/** What every chart frame is built from (frame.js createFrame). */
export interface FrameOptions {
  title: string;
  /** Unique on the page: `${chapter id}-${chart id}` (the panel sets it); names the export files. */
  name: string;
  /** Shown under the title; may mark glossary terms [[id]]. */
  description?: string;
}

/** The frame around a chart (frame.js). */
export interface Frame {
  figure: HTMLElement;
  plot: HTMLElement;
  tooltip: HTMLElement;
  setSvg(node: SVGSVGElement): void;
  readout(text: string): void;
  setLegend(items: LegendItem[]): void;
  setSummary(text: string): void;
  setNote(text: string): void;
  setExport(fn: () => ExportTable): void;
  width(): number;
  destroy(): void;
}

/** An axis of a line, scatter or field chart. */
export interface Axis {
  label?: string;
  log?: boolean;
  /** Fixed [lo, hi]; else the data's extent, made nice. */
  domain?: number[];
  /** Explicit tick values (a category axis: 0..k-1 with tickFormat naming them). */
  ticks?: number[];
  tickFormat?: (v: number) => string;
  /** The range includes 0. */
  zero?: boolean;
}

/** The y axis of a line chart: an Axis with limits on the data's range. */
export interface LineYAxis extends Axis {
  /** Values above cap do not widen the range (a diverged loss). */
  cap?: number;
  max?: number;
  min?: number;
}

/** How one series key is drawn (a line chart's `series` declaration). */
export interface SeriesStyle {
  key: string;
  /** Names the series in the legend, the read-out and the data table. */
  label: string;
  color?: string;
  dash?: string;
  marker?: MarkerShape | null;
  /** false: markers (or error bars) only, no line. */
  line?: boolean;
  /** Stroke width (default 2). */
  width?: number;
  band?: boolean;
}

export interface LineChartOptions extends FrameOptions {
  series: SeriesStyle[];
  x?: Axis;
  y?: LineYAxis;
  height?: number;
  /** Legend lines besides the series' own. */
  legendExtra?: LegendItem[];
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Horizontal offset in px between series at the same x (error bars side by side). */
  dodge?: number;
}

/** One series' data in update(): y (and its band lo..hi or error bars errLo..errHi) against x. */
export interface LineSeries {
  key: string;
  x: Numbers;
  y: Numbers;
  lo?: Numbers;
  hi?: Numbers;
  errLo?: Numbers;
  errHi?: Numbers;
  /** The run diverged: the line ends with a "diverged" mark. */
  diverged?: boolean;
}

/** A horizontal reference line (styled as the series of the same key). */
export interface HLine {
  key: string;
  y: number;
  label?: string;
}

/** A vertical dashed mark at an x where there is deliberately no value. */
export interface VMark {
  x: number;
  label?: string;
}

export interface LineUpdate {
  series?: LineSeries[];
  hlines?: HLine[];
  vmarks?: VMark[];
  /** Values the y-range must cover (comparable panels pass the same pair). */
  yInclude?: number[] | null;
  summary?: string;
  note?: string;
}

/** The data of an earlier update, kept faded under the next run (lineChart's ghostData()). */
export interface GhostData {
  series: LineSeries[];
  hlines: HLine[];
}

export interface Ghost extends GhostData {
  /** Names the settings that differ, e.g. "learning rate 0.01". */
  label: string;
}

export interface LineChart {
  frame: Frame;
  update(next: LineUpdate): void;
  ghostData(): GhostData | null;
  setGhost(next: Ghost | null): void;
  readonly hasGhost: boolean;
  destroy(): void;
}

export interface ScatterChartOptions extends FrameOptions {
  color?: string;
  marker?: MarkerShape;
  pointLabel?: string;
  targetLabel?: string | null;
  /** Fixed [lo, hi] of both axes; else they grow with the data during a run. */
  domain?: number[];
  maxSize?: number;
  x?: Axis;
  y?: Axis;
}

export interface XY {
  x: Numbers;
  y: Numbers;
}

/** A 1-sigma ellipse: centre, radii and angle in radians (scatter-chart.js ellipseOf). */
export interface Ellipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle: number;
}

export interface ScatterUpdate {
  points?: XY;
  trail?: XY | null;
  ellipse?: Ellipse | null;
  target?: { x: number; y: number } | null;
  summary?: string;
  note?: string;
}

export interface ScatterChart {
  frame: Frame;
  update(next: ScatterUpdate): void;
  reset(): void;
  destroy(): void;
}

/** A point class's look in a field chart (by the point's label). */
export interface PointClass {
  label: string;
  color: string;
  marker: MarkerShape;
}

export interface FieldChartOptions extends FrameOptions {
  /** Names of the predicted classes. */
  classes?: string[];
  pointClasses?: PointClass[] | null;
  maxSize?: number;
  maxPoints?: number;
  x?: Axis;
  y?: Axis;
}

/** The predicted class and its confidence on an n x n grid over [lo, hi]^2; row i is x1, column j x0. */
export interface FieldGrid {
  n: number;
  lo: number;
  hi: number;
  cls: Numbers;
  conf: Numbers;
}

export interface FieldPoints {
  x0: Numbers;
  x1: Numbers;
  label: Numbers;
}

export interface FieldUpdate {
  grid?: FieldGrid | null;
  points?: FieldPoints | null;
  summary?: string;
  note?: string;
}

export interface FieldChart {
  frame: Frame;
  update(next: FieldUpdate): void;
  destroy(): void;
}

/** One image of an image grid: its bytes (base64 or decoded) and caption lines. */
export interface GridImage {
  pixels: string | Uint8Array;
  id?: string | number;
  lines: Array<{ text: string; color?: string }>;
}

export interface ImageGridUpdate {
  images?: GridImage[];
  rows?: number;
  cols?: number;
  summary?: string;
  columns?: string[];
  exportRows?: ExportTable['rows'];
}

export interface ImageGrid {
  update(data: ImageGridUpdate | null): void;
  destroy(): void;
}

/** What a chapter's render may pass to update(), whatever the chart's kind. */
export type ChartUpdate = LineUpdate | ScatterUpdate | FieldUpdate | ImageGridUpdate;

/** Any chart the panel builds: each kind's handle has update and destroy; line charts keep ghosts. */
export type Chart = LineChart | ScatterChart | FieldChart | ImageGrid;

/** A linear or log scale from data to pixels (scale.js createScale), with its inverse. */
export interface Scale {
  (v: number): number;
  invert(p: number): number;
  domain: number[];
  range: number[];
  log: boolean;
}
