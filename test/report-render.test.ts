/**
 * Figure files and label layout, without a browser: PNG and PDF from the SVG (sizes, embedded
 * font, same bytes twice), --formats parsing and what a missing optional library does, and the
 * placement of reference-line labels (measured in Vega's own scenegraph; the raw first guesses of
 * the same spec overlap, so the check can fail), line styles pdfkit rejects, and figures with
 * nothing to draw.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DlnError } from '../lib';
import { ruleLayers } from '../lib/report/annotations';
import { placeLabels } from '../lib/report/layout';
import { drawsNothing, parseFormats, pdfDashes, renderSvg, svgToPdf, svgToPng, PNG_SCALE } from '../lib/report/render';
import { vegaLibraries, type SceneItem } from '../lib/report/vendor';
import { runExperiment, buildReport, type ExperimentInput } from '../lib';

/** A sweep-like chart with four horizontal theory lines, three of them within a few pixels. */
function crowdedSpec(): Record<string, unknown> {
  const colours = { domain: ['a'], range: ['#d14a61'] };
  const lines = [
    { orient: 'y' as const, value: 10, label: 'S_min (Thm 1)', series: null, dashed: false },
    { orient: 'y' as const, value: 10.4, label: '2La (code)', series: null, dashed: false },
    { orient: 'y' as const, value: 10.8, label: 'S_r1 (rank-one limit)', series: null, dashed: false },
    { orient: 'y' as const, value: 30, label: '4Λ/λ (Cor. 3)', series: null, dashed: false },
    { orient: 'y' as const, value: 20, label: '2/eta', series: null, dashed: true },
    { orient: 'x' as const, value: 0.3, label: '1/(aL)', series: null, dashed: false },
    { orient: 'x' as const, value: 0.31, label: 'x-ref', series: null, dashed: false },
  ];
  return {
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: [0.2, 0.3, 0.4, 0.5].map((x, i) => ({ x, y: 5 + 8 * i, series: 'a' })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', scale: colours },
        },
      },
      ...ruleLayers(lines, colours, 420),
    ],
  };
}

/** Boxes (x1, y1, x2, y2 in chart pixels) of every text item of the chart's plot area. */
async function labelBoxes(spec: Record<string, unknown>): Promise<{ text: string; b: number[] }[]> {
  const { vega, vegaLite } = vegaLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(JSON.parse(JSON.stringify(spec))).spec), { renderer: 'none' }); // Vega tags data objects
  await view.runAsync();
  const out: { text: string; b: number[] }[] = [];
  const walk = (node: SceneItem, ox: number, oy: number) => {
    for (const mark of node.items ?? []) {
      if (mark.role === 'axis' || mark.role === 'legend' || mark.role === 'title') continue;
      for (const item of mark.items ?? []) {
        if (mark.marktype === 'group') walk(item, ox + (item.x ?? 0), oy + (item.y ?? 0));
        else if (mark.marktype === 'text' && item.bounds)
          out.push({ text: String(item.text), b: [ox + item.bounds.x1, oy + item.bounds.y1, ox + item.bounds.x2, oy + item.bounds.y2] });
      }
    }
  };
  for (const group of view.scenegraph().root.items ?? []) walk(group, 0, 0); // the root mark's one group item
  view.finalize();
  return out;
}

const overlapping = (boxes: { text: string; b: number[] }[]) =>
  boxes.flatMap((p, i) =>
    boxes
      .slice(i + 1)
      .filter((q) => p.b[0] < q.b[2] && q.b[0] < p.b[2] && p.b[1] < q.b[3] && q.b[1] < p.b[3])
      .map((q) => [p.text, q.text]),
  );

describe('reference-line labels', () => {
  test('placed labels neither overlap nor leave the plot; the first guesses did overlap', async () => {
    const raw = crowdedSpec();
    const before = await labelBoxes(raw);
    expect(before).toHaveLength(7);
    expect(overlapping(before).length).toBeGreaterThanOrEqual(3); // the false case: the check can fail
    const placed = await placeLabels(raw);
    const after = await labelBoxes(placed);
    expect(after.map((b) => b.text).sort()).toEqual(before.map((b) => b.text).sort());
    expect(overlapping(after)).toEqual([]);
    for (const { text, b } of after) expect([text, b[0] >= 0 && b[1] >= 0 && b[2] <= 420 && b[3] <= 300]).toEqual([text, true]);
    // Each label stays next to its line: within three label heights of it.
    const yOf = new Map([
      ['S_min (Thm 1)', 10],
      ['2La (code)', 10.4],
      ['S_r1 (rank-one limit)', 10.8],
      ['4Λ/λ (Cor. 3)', 30],
      ['2/η', 20],
    ]);
    const view = await labelBoxes(raw); // same scales: the labels do not change the domain
    expect(view.map((b) => b.b[1]).sort()).toEqual(before.map((b) => b.b[1]).sort());
    for (const { text, b } of after.filter((a) => yOf.has(a.text))) {
      const original = before.find((x) => x.text === text)!;
      const lineY = original.b[3] + 2; // first guess: baseline 2 px above the line
      expect([text, Math.min(Math.abs(b[1] - lineY), Math.abs(b[3] - lineY)) <= 3 * 12]).toEqual([text, true]);
    }
    // The input is left as it was, and placing twice changes nothing more.
    expect(raw).toEqual(crowdedSpec());
    expect(await placeLabels(placed)).toEqual(placed);
  });

  test('a panel too small for its labels is an error, not an overlap', async () => {
    const spec = crowdedSpec();
    spec.height = 30;
    await expect(placeLabels(spec)).rejects.toThrow(/no room for the label/);
  });

  test('the legend names each line style and the band', async () => {
    const svg = await renderSvg(await placeLabels(crowdedSpec()));
    expect(svg).toContain('theory (named on each line)');
    expect(svg).toContain('2/η');
  });
});

describe('figure files', () => {
  let svg: string;
  beforeAll(async () => {
    svg = await renderSvg(await placeLabels(crowdedSpec()));
  });

  test('PNG: the SVG at twice its size, the same bytes each time', async () => {
    const png = await svgToPng(svg);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = Number(/<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)![1]);
    const height = Number(/<svg[^>]*\bheight="([\d.]+)"/.exec(svg)![1]);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Math.round(width * PNG_SCALE), Math.round(height * PNG_SCALE)]);
    expect((await svgToPng(svg)).equals(png)).toBe(true);
  });

  test('PDF: one page of the SVG size in points, DejaVu Sans embedded, the same bytes each time', async () => {
    const pdf = await svgToPdf(svg, 'crowded');
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    const width = Number(/<svg[^>]*\bwidth="([\d.]+)"/.exec(svg)![1]);
    const height = Number(/<svg[^>]*\bheight="([\d.]+)"/.exec(svg)![1]);
    expect(text).toMatch(new RegExp(`/MediaBox \\[0 0 ${width} ${height}\\]`));
    expect(text.match(/\/Type \/Page\b/g)).toHaveLength(1);
    expect(text).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans\b/);
    expect(text).not.toMatch(/Helvetica/); // no fallback to a standard font (which has no η)
    expect((await svgToPdf(svg, 'crowded')).equals(pdf)).toBe(true);
  });

  test('--formats: known names, deduplicated; anything else names the field', () => {
    expect(parseFormats('svg, PNG,png')).toEqual(['svg', 'png']);
    expect(parseFormats(['pdf'])).toEqual(['pdf']);
    for (const bad of ['', 'jpg', 'svg,eps']) {
      expect(() => parseFormats(bad)).toThrow(DlnError);
      try {
        parseFormats(bad);
      } catch (err) {
        expect((err as DlnError).code).toBe('ERR_DLN_VALUE');
        expect((err as DlnError).field).toBe('formats');
      }
    }
  });

  test('without the optional PNG library: an error naming the package when asked, a note by default', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@resvg/resvg-js', () => {
        const err = new Error("Cannot find module '@resvg/resvg-js'") as NodeJS.ErrnoException;
        err.code = 'MODULE_NOT_FOUND';
        throw err;
      });
      const render = await import('../lib/report/render');
      expect(render.formatAvailable('png')).toBe(false);
      expect(render.formatAvailable('pdf')).toBe(true);
      await expect(render.svgToPng(svg)).rejects.toThrow(/npm install @resvg\/resvg-js/);
      const report = await import('../lib/report');
      const out = mkdtempSync(join(tmpdir(), 'dlnflow-formats-'));
      try {
        await runExperiment(SMALL, { out, report: false });
        await expect(report.writeReport(out, { findings: undefined, formats: ['png'] })).rejects.toMatchObject({
          code: 'ERR_DLN_VALUE',
          field: 'formats',
        });
        const s = await report.writeReport(out, { findings: undefined });
        expect(s.text).toMatch(/PNG figures not written: optional dependencies not installed \(npm install @resvg\/resvg-js\)/);
        expect(readdirSync(join(out, 'figures')).sort()).toEqual(['loss.pdf', 'loss.svg', 'loss.vl.json']);
        expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('PNG figures not written');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
});

/** The size on an SVG's root element. */
function sizeOf(svg: string): [number, number] {
  const head = /<svg\b[^>]*>/.exec(svg)![0];
  return [Number(/\bwidth="([^"]*)"/.exec(head)![1]), Number(/\bheight="([^"]*)"/.exec(head)![1])];
}

/** A line chart with a strokeDash legend, as the greedy-paths figure draws it: [1, 0] is solid. */
function dashedSpec(): Record<string, unknown> {
  const values = [1, 2, 3].flatMap((x) => [
    { x, y: x, q: 'train (solid)' },
    { x, y: 2 * x, q: 'test (dashed)' },
  ]);
  return {
    title: 'dashes',
    data: { values },
    mark: 'line',
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'y', type: 'quantitative' },
      strokeDash: {
        field: 'q',
        type: 'nominal',
        scale: {
          domain: ['train (solid)', 'test (dashed)'],
          range: [
            [1, 0],
            [5, 3],
          ],
        },
      },
    },
  };
}

/** A sweep figure whose filter matched no run: empty layers, an empty colour scale (a legend with no entries). */
function emptySpec(): Record<string, unknown> {
  const color = { field: 'series', type: 'nominal', scale: { domain: [], range: [] }, title: null };
  return {
    title: 'empty',
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: [] },
        mark: 'area',
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        data: { values: [] },
        mark: { type: 'line', point: true },
        encoding: { x: { field: 'x', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'mean', type: 'quantitative' }, color },
      },
    ],
  };
}

describe('line styles and empty figures', () => {
  test('PDF: stroke dashes pdfkit rejects ([1, 0], a zero dash) are rewritten to what the SVG draws', async () => {
    expect(pdfDashes('<path stroke-dasharray="1,0"/>')).toBe('<path stroke-dasharray="none"/>');
    expect(pdfDashes('<path stroke-dasharray="2 0 3 0"/>')).toBe('<path stroke-dasharray="none"/>');
    expect(pdfDashes('<path stroke-dasharray="0"/>')).toBe('<path stroke-dasharray="none"/>');
    expect(pdfDashes('<path stroke-dasharray="0,4"/>')).toBe('<path stroke-dasharray="0.001,4"/>');
    expect(pdfDashes('<path style="stroke-dasharray:1,0;stroke:red"/>')).toBe('<path style="stroke-dasharray:none;stroke:red"/>');
    for (const kept of ['<path stroke-dasharray="5,3"/>', '<path stroke-dasharray="2,3,1"/>', '<path stroke-dasharray="none"/>'])
      expect(pdfDashes(kept)).toBe(kept);

    const svg = await renderSvg(dashedSpec());
    expect(svg).toContain('stroke-dasharray="1,0"');
    // The false case: svg-to-pdfkit handed Vega's SVG as it is fails in pdfkit's dash().
    /* eslint-disable @typescript-eslint/no-require-imports -- optional dependencies without type declarations */
    const PDFDocument = require('pdfkit');
    const SVGtoPDF = require('svg-to-pdfkit');
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect(() => SVGtoPDF(new PDFDocument(), svg, 0, 0, {})).toThrow(/dash\(\[1,0\]/);
    const pdf = await svgToPdf(svg, 'dashes');
    expect(pdf.toString('latin1').startsWith('%PDF-')).toBe(true);
  });

  test('a figure with nothing to draw renders as a note of the same size, in every format; a legend with no entries is an error', async () => {
    expect(drawsNothing(emptySpec())).toBe(true);
    expect(drawsNothing(dashedSpec())).toBe(false);
    const partly = emptySpec();
    (partly.layer as { data: { values: unknown[] } }[])[1].data.values = [{ x: 1, mean: 2, series: 'a' }];
    expect(drawsNothing(partly)).toBe(false);
    expect(drawsNothing({ data: { url: 'x.csv' }, mark: 'point' })).toBe(false);

    const svg = await renderSvg(emptySpec());
    expect(svg).toContain('Nothing to draw');
    const [w, h] = sizeOf(svg);
    expect(w).toBeGreaterThanOrEqual(420);
    expect(w).toBeLessThan(500);
    expect(h).toBeGreaterThanOrEqual(300);
    expect(h).toBeLessThan(360);
    expect((await svgToPng(svg)).readUInt32BE(16)).toBe(Math.round(w * PNG_SCALE));
    expect((await svgToPdf(svg, 'empty')).toString('latin1')).toMatch(new RegExp(`/MediaBox \\[0 0 ${w} ${h}\\]`));
    // The same spec with data in it but an empty colour domain: Vega lays the legend out at
    // Number.MAX_VALUE px; an error naming the figure, not an SVG no PNG or PDF can have.
    await expect(renderSvg(partly)).rejects.toMatchObject({
      code: 'ERR_DLN_INTERNAL',
      message: expect.stringMatching(/figure "empty": Vega laid it out at 1\.79\d*e\+308/),
    });
  });
});

const SMALL = {
  name: 'formats',
  seed: 0,
  data: { kind: 'marion-chizat', n: 10, d: 3 },
  model: { depth: 3 },
  init: { kind: 'gaussian', scale: 0.3 },
  train: { learningRate: 0.05, steps: 20 },
  repetitions: 2,
  sweep: [{ 'init.scale': [0.2, 0.4] }],
  report: { figures: [{ kind: 'sweep', id: 'loss', x: 'init.scale', y: 'loss', rules: ['sMin'] }] },
} satisfies ExperimentInput;

test('a report writes the formats asked for and removes those no longer asked for', async () => {
  const out = mkdtempSync(join(tmpdir(), 'dlnflow-formats-'));
  try {
    await runExperiment(SMALL, { out });
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['loss.pdf', 'loss.png', 'loss.svg', 'loss.vl.json']);
    const pdf = readFileSync(join(out, 'figures', 'loss.pdf'));
    await buildReport(out, { formats: ['svg'] });
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['loss.svg', 'loss.vl.json']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('href="figures/loss.svg"');
    expect(html).not.toContain('href="figures/loss.png"');
    await buildReport(out, { formats: ['pdf', 'png'] });
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['loss.pdf', 'loss.png', 'loss.vl.json']);
    expect(readFileSync(join(out, 'figures', 'loss.pdf')).equals(pdf)).toBe(true); // reproducible
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a report figure whose filter matches no run is drawn as a note saying so', async () => {
  const out = mkdtempSync(join(tmpdir(), 'dlnflow-empty-'));
  try {
    const figures = [
      ...SMALL.report.figures,
      { kind: 'sweep' as const, id: 'none', x: 'init.scale', y: 'loss', series: 'init.scale', filter: { 'init.scale': 0.9 }, rules: ['sMin'] },
    ];
    await runExperiment({ ...SMALL, report: { figures } }, { out });
    expect(
      readdirSync(join(out, 'figures'))
        .filter((f) => f.startsWith('none.'))
        .sort(),
    ).toEqual(['none.pdf', 'none.png', 'none.svg', 'none.vl.json']);
    const svg = readFileSync(join(out, 'figures', 'none.svg'), 'utf8');
    expect(svg).toContain('no run matches this figure');
    expect(svg).toContain('init.scale = 0.9 (the runs have init.scale = 0.2, 0.4).');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Nothing to draw: no run matches');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
