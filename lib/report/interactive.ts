/**
 * The interactive version of a figure, for report.html only (the .vl.json, SVG, PNG and PDF stay
 * the static figure): tooltips on every data point and, on traces, zoom and pan.
 *   - sweep and divergence figures: their points already carry tooltips (series, x, mean, interval,
 *     n, diverged runs); the reference lines keep theirs; bands and reference lines are drawn
 *     under the data, so that the pointer reaches the points;
 *   - scatter figures: each point is one run, its tooltip every value of its row (run id,
 *     repetition, the swept parameters, x, y);
 *   - trace figures: each recorded row gets an invisible hover target with the run, x, y and the
 *     component (vector quantities), and every panel zooms (wheel) and pans (drag) its own scales;
 *     a double click resets them.
 */
import type { FigureConfig } from '../experiments/schema';
import type { VegaLiteSpec } from './figures';

type Node = Record<string, unknown>;

function markType(layer: Node): string | undefined {
  const m = layer.mark;
  return typeof m === 'string' ? m : ((m as Node | undefined)?.type as string | undefined);
}

/** The unit views of a spec (panels of concat specs, or the spec itself), each with its layers. */
function panels(spec: Node): Node[] {
  for (const key of ['hconcat', 'vconcat', 'concat']) if (Array.isArray(spec[key])) return spec[key] as Node[];
  return [spec];
}

function titleOf(enc: unknown, fallback: string): string {
  const t = (enc as Node | undefined)?.title;
  return typeof t === 'string' ? t : fallback;
}

export function interactiveSpec(input: VegaLiteSpec, kind: FigureConfig['kind']): VegaLiteSpec {
  const spec = JSON.parse(JSON.stringify(input)) as Node;
  panels(spec).forEach((panel, p) => {
    // Bands, then reference lines, then the data, then labels: the pointer must reach the points,
    // not a band or a rule drawn over them. (A stable sort: the order within each kind is kept.)
    const order = (l: Node) => (({ area: 0, rule: 1, text: 3 }) as Record<string, number>)[markType(l) ?? ''] ?? 2;
    if (Array.isArray(panel.layer)) panel.layer = [...(panel.layer as Node[])].sort((a, b) => order(a) - order(b));
    const layers = (panel.layer as Node[] | undefined) ?? [];
    for (const layer of layers) {
      const type = markType(layer);
      const enc = (layer.encoding ?? {}) as Node;
      // Name the x value by its axis title ("Scale of initialization", not "x").
      if (Array.isArray(enc.tooltip)) {
        enc.tooltip = (enc.tooltip as Node[]).map((t) => (t.field === 'x' && t.title === undefined ? { ...t, title: titleOf(enc.x, 'x') } : t));
      }
      if (kind === 'scatter' && type === 'point') {
        layer.mark = { ...(layer.mark as Node), tooltip: { content: 'data' } };
      }
      if (kind === 'trace' && type === 'line') {
        layer.mark = { ...(layer.mark as Node), point: { filled: true, opacity: 0, size: 50 } };
        layer.encoding = {
          ...enc,
          tooltip: [
            { field: 'run', title: 'run' },
            { field: 'x', type: 'quantitative', title: titleOf(enc.x, 'x'), format: '.6~g' },
            { field: 'y', type: 'quantitative', title: titleOf(enc.y, 'y'), format: '.6~g' },
            { field: 'component', title: 'component' },
          ],
        };
        layer.params = [
          ...((layer.params as unknown[]) ?? []),
          { name: `zoom_${p}`, select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
        ];
      }
    }
  });
  return spec;
}
