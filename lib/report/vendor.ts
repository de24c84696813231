/**
 * The third-party files the report uses at run time, shipped in dist/vendor/ by
 * scripts/build-vendor.js (see dist/vendor/NOTICES.txt): Vega, Vega-Lite and vega-embed as their
 * own self-contained UMD builds, and the DejaVu Sans font. Node loads the same two Vega files
 * that report.html inlines, so the headless SVG and the page draw with one version. They load on
 * first use (a script that only trains never pays for them).
 *
 * The bundles are run as CommonJS modules by path (loadBundle): they are data files of the package,
 * not lib/ modules, so they stand outside the layer order of lib/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { DlnError } from '../errors';
import { packageRoot } from '../native';

export const vendorDir = join(packageRoot, 'dist', 'vendor');

/** The subset of Vega's API the report uses. */
export interface VegaApi {
  View: new (runtime: unknown, options: { renderer: 'none' | 'svg' | 'canvas' }) => VegaView;
  parse(spec: unknown): unknown;
}

export interface VegaView {
  runAsync(): Promise<VegaView>;
  toSVG(scale?: number): Promise<string>;
  scenegraph(): { root: SceneItem };
  finalize(): void;
}

/** A node of Vega's scenegraph: a mark (with items) or an item (with a datum and coordinates). */
export interface SceneItem {
  marktype?: string;
  name?: string;
  role?: string;
  items?: SceneItem[];
  datum?: Record<string, unknown>;
  x?: number;
  y?: number;
  x2?: number;
  y2?: number;
  width?: number;
  height?: number;
  text?: unknown;
  fontSize?: number;
  opacity?: number;
  bounds?: { x1: number; y1: number; x2: number; y2: number };
  mark?: SceneItem;
}

export interface VegaLiteApi {
  compile(spec: unknown): { spec: unknown };
}

/** The path of a file under dist/vendor/, or an ERR_DLN_INTERNAL naming the missing build step. */
export function vendorPath(file: string): string {
  const full = join(vendorDir, file);
  if (!existsSync(full)) {
    throw new DlnError('ERR_DLN_INTERNAL', `${full} is missing: the package was built without scripts/build-vendor.js (npm run build:ts)`);
  }
  return full;
}

/** A vendored bundle's source text (report.html inlines it). */
export function vendorText(file: string): string {
  return readFileSync(vendorPath(file), 'utf8');
}

let loaded: { vega: VegaApi; vegaLite: VegaLiteApi } | undefined;

/**
 * Runs a vendored UMD bundle as a CommonJS module whose require() resolves the names in `provided`
 * (Vega-Lite's bundle requires "vega": it gets the vendored one, not a package that a train-only
 * install does not have) and nothing else.
 */
function loadBundle(file: string, provided: Record<string, unknown>): unknown {
  const filename = vendorPath(file);
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${readFileSync(filename, 'utf8')}\n})`, {
    filename,
  }) as (exports: unknown, require: (id: string) => unknown, module: { exports: unknown }, filename: string, dirname: string) => void;
  const mod = new Module(filename);
  mod.filename = filename;
  const fallback = createRequire(filename);
  wrapper(mod.exports, (id) => (id in provided ? provided[id] : fallback(id)), mod, filename, vendorDir);
  mod.loaded = true;
  // Listed among the loaded modules like any other (what loads when is tested: test/loading.test.ts).
  require.cache[filename] = mod;
  return mod.exports;
}

/** Vega and Vega-Lite, loaded once. */
export function vegaLibraries(): { vega: VegaApi; vegaLite: VegaLiteApi } {
  if (!loaded) {
    const vega = loadBundle('vega.min.js', {}) as VegaApi;
    loaded = { vega, vegaLite: loadBundle('vega-lite.min.js', { vega }) as VegaLiteApi };
  }
  return loaded;
}

/** The font PNG and PDF figures are drawn with (DejaVu Sans: wide coverage, including Greek and maths). */
export const FONT_FAMILY = 'DejaVu Sans';

export function fontPath(bold = false): string {
  return vendorPath(bold ? 'fonts/DejaVuSans-Bold.ttf' : 'fonts/DejaVuSans.ttf');
}
