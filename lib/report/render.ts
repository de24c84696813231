/**
 * Figures as files: Vega-Lite to SVG headless and in pure JavaScript (Vega's renderer "none": no
 * canvas, no browser), then SVG to PNG (@resvg/resvg-js: prebuilt binaries in its npm packages,
 * nothing compiled) and to vector PDF (pdfkit with svg-to-pdfkit), both drawn with the DejaVu
 * Sans font shipped in dist/vendor/fonts, so text renders the same on a machine without fonts.
 *
 * Vega 5 / Vega-Lite 5 (their self-contained builds, see vendor.ts): Vega-Lite 6.5 needs Node 22.
 * PNG and PDF libraries are optional dependencies (`npm install --omit=optional` leaves them out):
 * the default formats skip what is not installed and say so; asking for a format whose library is
 * missing is an error naming the package to install.
 *
 * Outputs are deterministic: the same spec gives the same bytes (the PDF's creation date is fixed,
 * see svgToPdf).
 *
 * A figure with nothing to draw (every dataset in it empty) is drawn as an empty-plot note, its
 * title kept (emptyPlotSpec): Vega lays a legend with no entries out at an infinite size, which
 * no PNG or PDF can have. Any other SVG whose size is not finite is an error naming the figure.
 */
import { DlnError } from '../errors';
import type { VegaLiteSpec } from './figures';
import { FONT_FAMILY, fontPath, vegaLibraries } from './vendor';
import { FIGURE_FORMATS, type FigureFormat } from '../options/experiment';

export { FIGURE_FORMATS, type FigureFormat };

/** PNG pixels per SVG pixel (a 420 px wide plot gives a ~1,100 px wide image). */
export const PNG_SCALE = 2;

/** Parses a list such as "svg,png" (or an array of them): known names, no duplicates, at least one. */
export function parseFormats(value: string | readonly string[], field = 'formats'): FigureFormat[] {
  const items = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (items.length === 0) throw new DlnError('ERR_DLN_VALUE', `${field}: expected a comma-separated list of ${FIGURE_FORMATS.join(', ')}`, { field });
  const out: FigureFormat[] = [];
  for (const s of items) {
    if (!(FIGURE_FORMATS as readonly string[]).includes(s)) {
      throw new DlnError('ERR_DLN_VALUE', `${field}: unknown figure format "${s}" (expected ${FIGURE_FORMATS.join(', ')})`, { field });
    }
    if (!out.includes(s as FigureFormat)) out.push(s as FigureFormat);
  }
  return out;
}

/** Renders run one at a time: Vega numbers clip paths and gradients with process-wide counters. */
let queue: Promise<unknown> = Promise.resolve();

/** The largest SVG side accepted, in px (Vega gives Number.MAX_VALUE for a legend with no entries). */
const MAX_SIDE = 100_000;

function titleText(spec: VegaLiteSpec): string {
  const t = spec.title;
  const text = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as { text?: unknown }).text : t;
  return Array.isArray(text) ? text.join(' ') : String(text ?? '');
}

async function render(spec: VegaLiteSpec): Promise<string> {
  let svg: string;
  try {
    const { vega, vegaLite } = vegaLibraries();
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    try {
      // From 1 in every SVG, so that a figure's bytes do not depend on what this process drew
      // before it (a merged report must equal an unsharded run's, whichever process builds it).
      (vega as unknown as { resetSVGDefIds(): void }).resetSVGDefIds();
      svg = await view.toSVG();
    } finally {
      view.finalize();
    }
  } catch (err) {
    throw new DlnError('ERR_DLN_INTERNAL', `cannot render figure "${titleText(spec)}": ${(err as Error).message}`, { cause: err });
  }
  const size = svgSize(svg);
  if (!size || size.width > MAX_SIDE || size.height > MAX_SIDE) {
    const got = size ? `${size.width} x ${size.height} px` : 'no size';
    throw new DlnError(
      'ERR_DLN_INTERNAL',
      `cannot render figure "${titleText(spec)}": Vega laid it out at ${got} (a scale or legend with no entries?)`,
    );
  }
  return svg;
}

/**
 * Whether a spec has nothing to draw: it holds inline datasets (`data: { values }`, at any depth:
 * layers, concatenated panels) and every one is empty. A spec that names data any other way
 * (url, named datasets, generators) is taken to draw something.
 */
export function drawsNothing(spec: VegaLiteSpec): boolean {
  let inline = 0;
  let other = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    if (n.datasets !== undefined) other = true;
    const data = n.data as Record<string, unknown> | null | undefined;
    if (typeof data === 'object' && data !== null) {
      if (Array.isArray(data.values)) {
        if (data.values.length > 0) other = true;
        else inline += 1;
      } else other = true;
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'data' && k !== 'datasets') walk(v);
  };
  walk(spec);
  return inline > 0 && !other;
}

/** Splits a note into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The spec drawn for a figure with nothing to plot: the figure's title and size, a framed empty
 * plot and, in it, "Nothing to draw: REASON".
 */
export function emptyPlotSpec(spec: VegaLiteSpec, reason: string): VegaLiteSpec {
  const side = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : fallback);
  const width = side(spec.width, 420);
  return {
    $schema: spec.$schema ?? 'https://vega.github.io/schema/vega-lite/v5.json',
    title: spec.title ?? '',
    width,
    height: side(spec.height, 300),
    background: 'white',
    data: { values: [{ note: wrap(`Nothing to draw: ${reason}`, Math.max(30, Math.floor(width / 7))) }] },
    mark: { type: 'text', fontSize: 12, color: '#555', align: 'center', baseline: 'middle' },
    encoding: { text: { field: 'note' } },
    view: { stroke: '#bbb' },
  };
}

/** The SVG of a figure (an empty-plot note when it has nothing to draw, see emptyPlotSpec). */
export function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const drawn = drawsNothing(spec) ? emptyPlotSpec(spec, 'no data in this figure') : spec;
  const result = queue.then(() => render(drawn));
  queue = result.catch(() => undefined);
  return result;
}

interface ResvgModule {
  renderAsync(svg: string, options: unknown): Promise<{ asPng(): Buffer }>;
}

interface PdfDocument {
  info: Record<string, unknown>;
  registerFont(name: string, src: string): void;
  on(event: 'data', fn: (chunk: Buffer) => void): void;
  on(event: 'end' | 'error', fn: (arg?: unknown) => void): void;
  end(): void;
}

type PdfKit = new (options: Record<string, unknown>) => PdfDocument;
type SvgToPdf = (doc: PdfDocument, svg: string, x: number, y: number, options: Record<string, unknown>) => void;

/** An optional dependency, or null when it is not installed (any other load error propagates). */
function optional<T>(load: () => T, name: string): T | null {
  try {
    return load();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(name)) return null;
    throw err;
  }
}

/** The packages a format needs (npm names), and whether they load here. */
export const FORMAT_PACKAGES: Record<Exclude<FigureFormat, 'svg'>, string[]> = {
  png: ['@resvg/resvg-js'],
  pdf: ['pdfkit', 'svg-to-pdfkit'],
};

let resvg: ResvgModule | null | undefined;
let pdf: { PDFDocument: PdfKit; SVGtoPDF: SvgToPdf } | null | undefined;

function loadResvg(): ResvgModule | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional dependency, loaded only when a figure needs it
  if (resvg === undefined) resvg = optional(() => require('@resvg/resvg-js') as ResvgModule, '@resvg/resvg-js');
  return resvg;
}

function loadPdf(): { PDFDocument: PdfKit; SVGtoPDF: SvgToPdf } | null {
  if (pdf === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional dependency, loaded only when a figure needs it
    const PDFDocument = optional(() => require('pdfkit') as PdfKit, 'pdfkit');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional dependency, loaded only when a figure needs it
    const SVGtoPDF = optional(() => require('svg-to-pdfkit') as SvgToPdf, 'svg-to-pdfkit');
    pdf = PDFDocument && SVGtoPDF ? { PDFDocument, SVGtoPDF } : null;
  }
  return pdf;
}

/** Whether this installation can write the format (svg always can). */
export function formatAvailable(format: FigureFormat): boolean {
  if (format === 'svg') return true;
  return format === 'png' ? loadResvg() !== null : loadPdf() !== null;
}

/** The error for a requested format whose library is not installed. */
export function missingFormatError(format: Exclude<FigureFormat, 'svg'>): DlnError {
  const pkgs = FORMAT_PACKAGES[format];
  return new DlnError(
    'ERR_DLN_VALUE',
    `formats: ${format.toUpperCase()} figures need ${pkgs.join(' and ')}, optional dependencies of dlnflow that are not installed here ` +
      `(npm install --omit=optional leaves them out): npm install ${pkgs.join(' ')}`,
    { field: 'formats' },
  );
}

/** SVG to PNG at PNG_SCALE, off the main thread (resvg's own worker), text in DejaVu Sans. */
export async function svgToPng(svg: string): Promise<Buffer> {
  const lib = loadResvg();
  if (!lib) throw missingFormatError('png');
  const image = await lib.renderAsync(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: { loadSystemFonts: false, fontFiles: [fontPath(), fontPath(true)], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return image.asPng();
}

/** The size Vega wrote on the root <svg> element, or null when it is not a finite positive one. */
function svgSize(svg: string): { width: number; height: number } | null {
  const head = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([^"]*)"/.exec(head)?.[1]);
  const height = Number(/\bheight="([^"]*)"/.exec(head)?.[1]);
  return Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0 ? { width, height } : null;
}

/**
 * The SVG with every stroke-dasharray that pdfkit's dash() rejects (it takes only lengths > 0)
 * rewritten to one that draws the same: a list whose gaps are all zero (Vega's [1, 0], a solid
 * line in a strokeDash legend) is a solid line, "none"; a zero dash between nonzero gaps (a dot
 * with round caps) becomes 0.001 px. Unparsable or negative lists are invalid SVG, drawn solid.
 */
export function pdfDashes(svg: string): string {
  const fix = (value: string): string => {
    if (value.trim() === 'none') return value;
    const parts = value
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (parts.length === 0 || parts.some((x) => !Number.isFinite(x) || x < 0)) return 'none';
    if (!parts.includes(0)) return value;
    const even = parts.length % 2 ? [...parts, ...parts] : parts;
    if (even.every((x, i) => i % 2 === 0 || x === 0)) return 'none';
    return even.map((x) => (x === 0 ? 0.001 : x)).join(',');
  };
  return svg
    .replace(/(\bstroke-dasharray=")([^"]*)"/g, (_m, pre: string, v: string) => `${pre}${fix(v)}"`)
    .replace(/(\bstroke-dasharray:)([^;"]*)/g, (_m, pre: string, v: string) => `${pre}${fix(v)}`);
}

/** SOURCE_DATE_EPOCH (seconds) when set, else the epoch. */
function sourceDate(): Date {
  const s = Number(process.env.SOURCE_DATE_EPOCH);
  return new Date(Number.isFinite(s) && s >= 0 ? s * 1000 : 0);
}

/** SVG to a one-page vector PDF (1 SVG px = 1 pt), text in embedded DejaVu Sans. */
export function svgToPdf(svg: string, title?: string): Promise<Buffer> {
  const lib = loadPdf();
  if (!lib) return Promise.reject(missingFormatError('pdf'));
  const size = svgSize(svg);
  if (!size) return Promise.reject(new DlnError('ERR_DLN_INTERNAL', `cannot convert figure "${title ?? ''}" to PDF: the SVG has no finite size`));
  const { width, height } = size;
  return new Promise((resolve, reject) => {
    // pdfkit writes a creation date (info dictionary and XMP) and hashes it into the file ID: a
    // fixed one, as reproducible builds do (SOURCE_DATE_EPOCH, else 1970-01-01), keeps the bytes
    // a function of the figure alone.
    const doc = new lib.PDFDocument({
      size: [width, height],
      margin: 0,
      info: { CreationDate: sourceDate(), Title: title ?? '', Creator: 'dlnflow', Producer: 'dlnflow (pdfkit, svg-to-pdfkit)' },
    });
    const chunks: Buffer[] = [];
    doc.on('data', (c) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', (e) => reject(e));
    try {
      doc.registerFont('dln-regular', fontPath());
      doc.registerFont('dln-bold', fontPath(true));
      lib.SVGtoPDF(doc, pdfDashes(svg), 0, 0, {
        width,
        height,
        assumePt: true,
        fontCallback: (_family: string, bold: boolean) => (bold ? 'dln-bold' : 'dln-regular'),
      });
      doc.end();
    } catch (err) {
      reject(new DlnError('ERR_DLN_INTERNAL', `cannot convert figure "${title ?? ''}" to PDF: ${(err as Error).message}`, { cause: err }));
    }
  });
}
