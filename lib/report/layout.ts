/**
 * Places the on-chart labels of reference lines (text layers whose data carry `dlnLabel`, see
 * annotations.ts) so that no two overlap and none leaves its panel.
 *
 * The positions of the lines are known only once Vega has computed the scales, so the spec is run
 * once headless (renderer "none": the scenegraph with every item's pixel position and bounds), the
 * labels are placed greedily in pixels, and each label becomes its own text layer: still anchored
 * to its line's value in data units (so it follows the line when the interactive report zooms),
 * with a pixel offset and alignment chosen here. Rendering the result changes no scale: the
 * labels' values are the rules' own.
 *
 * Candidates for a label of a horizontal line at pixel row y (w x h its box; W x H the panel):
 * right end above, right end below, left end above, left end below; then the same one and two
 * rows further out (stacked). A vertical line's label sits beside it (right, then left) in rows
 * from the top, then from the bottom. A candidate is admissible when its box lies in the panel and
 * is at least GAP px from every label placed before; among admissible ones the label takes the one
 * crossing the fewest data marks (line segments, points, other rules), nearer rows first on ties.
 * Text boxes are Vega's own estimates of the label's extent (0.8 em per character without a
 * canvas), which bound what a browser draws with its real fonts.
 */
import { DlnError } from '../errors';
import type { VegaLiteSpec } from './figures';
import { vegaLibraries, type SceneItem } from './vendor';

/** Minimum distance between two labels, in px. */
export const GAP = 2;
const PAD = 3;

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface LabelRef {
  id: string;
  orient: 'x' | 'y';
  /** The array holding the label's layer, and the layer. */
  parent: Record<string, unknown>[];
  layer: Record<string, unknown>;
  datum: Record<string, unknown>;
}

interface Placement {
  align: 'left' | 'right';
  baseline: 'top' | 'bottom';
  /** Pixel coordinate of the free axis (x for a horizontal line's label, y for a vertical one's). */
  at: number;
  /** Offset along the line's axis (dy for a horizontal line, dx for a vertical one). */
  offset: number;
}

interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface Panel {
  width: number;
  height: number;
  labels: { id: string; x: number; y: number; w: number; h: number }[];
  segments: Segment[];
  boxes: Box[];
}

const overlaps = (a: Box, b: Box, gap = 0) => a.x1 < b.x2 + gap && b.x1 < a.x2 + gap && a.y1 < b.y2 + gap && b.y1 < a.y2 + gap;

/** Whether a segment meets a box (Liang-Barsky clipping). */
function segmentHits(s: Segment, b: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  const clip = (p: number, q: number) => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  return clip(-dx, s.x1 - b.x1) && clip(dx, b.x2 - s.x1) && clip(-dy, s.y1 - b.y1) && clip(dy, b.y2 - s.y1);
}

/** Every label layer of the spec (any nesting of layer / concat / hconcat / vconcat), ids assigned. */
function findLabels(spec: Record<string, unknown>): LabelRef[] {
  const out: LabelRef[] = [];
  const visit = (node: Record<string, unknown>) => {
    for (const key of ['layer', 'concat', 'hconcat', 'vconcat']) {
      const children = node[key];
      if (!Array.isArray(children)) continue;
      for (const child of children as Record<string, unknown>[]) {
        const values = (child.data as { values?: Record<string, unknown>[] } | undefined)?.values;
        if (Array.isArray(values) && values.length && values.every((v) => v && typeof v.dlnLabel === 'string')) {
          for (const datum of values) {
            const orient = String(datum.dlnLabel).startsWith('x') ? 'x' : 'y';
            const id = `${orient}#${out.length}`;
            datum.dlnLabel = id;
            out.push({ id, orient, parent: children as Record<string, unknown>[], layer: child, datum });
          }
        } else visit(child);
      }
    }
  };
  visit(spec);
  return out;
}

const SKIP_ROLES = new Set(['axis', 'legend', 'title', 'axis-label', 'axis-title', 'legend-label', 'legend-title']);

/** Collects each panel (group whose marks hold labels) with its labels and obstacles, in panel pixels. */
function scan(root: SceneItem): Panel[] {
  const panels: Panel[] = [];
  const visitGroup = (group: SceneItem) => {
    const marks = group.items ?? [];
    const hasLabels = marks.some((m) => m.marktype === 'text' && (m.items ?? []).some((i) => typeof i.datum?.dlnLabel === 'string'));
    if (hasLabels) {
      const panel: Panel = { width: group.width ?? 0, height: group.height ?? 0, labels: [], segments: [], boxes: [] };
      collect(group, 0, 0, panel);
      panels.push(panel);
    }
    for (const m of marks) if (m.marktype === 'group' && !SKIP_ROLES.has(m.role ?? '')) for (const g of m.items ?? []) visitGroup(g);
  };
  const collect = (group: SceneItem, ox: number, oy: number, panel: Panel) => {
    for (const mark of group.items ?? []) {
      if (SKIP_ROLES.has(mark.role ?? '')) continue;
      const items = mark.items ?? [];
      switch (mark.marktype) {
        case 'group':
          for (const g of items) collect(g, ox + (g.x ?? 0), oy + (g.y ?? 0), panel);
          break;
        case 'line':
          for (let i = 1; i < items.length; i++) {
            const a = items[i - 1];
            const b = items[i];
            if ([a.x, a.y, b.x, b.y].every((v) => Number.isFinite(v)))
              panel.segments.push({ x1: ox + a.x!, y1: oy + a.y!, x2: ox + b.x!, y2: oy + b.y! });
          }
          break;
        case 'rule':
          for (const r of items) {
            const x1 = ox + (r.x ?? 0);
            const y1 = oy + (r.y ?? 0);
            panel.segments.push({ x1, y1, x2: r.x2 === undefined ? x1 : ox + r.x2, y2: r.y2 === undefined ? y1 : oy + r.y2 });
          }
          break;
        case 'symbol':
          for (const p of items)
            if (p.bounds && (p.opacity ?? 1) > 0)
              panel.boxes.push({ x1: ox + p.bounds.x1, y1: oy + p.bounds.y1, x2: ox + p.bounds.x2, y2: oy + p.bounds.y2 });
          break;
        case 'text':
          for (const t of items) {
            if (!t.bounds) continue;
            const label = t.datum?.dlnLabel;
            if (typeof label === 'string') {
              panel.labels.push({
                id: label,
                x: ox + (t.x ?? 0),
                y: oy + (t.y ?? 0),
                w: t.bounds.x2 - t.bounds.x1,
                h: t.fontSize ?? t.bounds.y2 - t.bounds.y1,
              });
            } else if ((t.opacity ?? 1) > 0)
              panel.boxes.push({ x1: ox + t.bounds.x1, y1: oy + t.bounds.y1, x2: ox + t.bounds.x2, y2: oy + t.bounds.y2 });
          }
          break;
        default:
          break; // areas (bands) and rects (heat maps) may lie under a label
      }
    }
  };
  for (const g of root.items ?? []) visitGroup(g);
  return panels;
}

function boxOf(orient: 'x' | 'y', line: number, w: number, h: number, p: Placement): Box {
  if (orient === 'y') {
    const x1 = p.align === 'right' ? p.at - w : p.at;
    const y1 = p.baseline === 'bottom' ? line + p.offset - h : line + p.offset;
    return { x1, y1, x2: x1 + w, y2: y1 + h };
  }
  const x1 = p.align === 'right' ? line + p.offset - w : line + p.offset;
  const y1 = p.baseline === 'bottom' ? p.at - h : p.at;
  return { x1, y1, x2: x1 + w, y2: y1 + h };
}

function candidates(orient: 'x' | 'y', panel: Panel, h: number): { p: Placement; rank: number }[] {
  const out: { p: Placement; rank: number }[] = [];
  const step = h + GAP;
  if (orient === 'y') {
    for (let k = 0; k < 3; k++) {
      for (const [align, at] of [
        ['right', panel.width - PAD],
        ['left', PAD],
      ] as const) {
        out.push({ p: { align, baseline: 'bottom', at, offset: -GAP - k * step }, rank: k });
        out.push({ p: { align, baseline: 'top', at, offset: GAP + k * step }, rank: k });
      }
    }
  } else {
    const rows = Math.max(1, Math.floor((panel.height - 2 * GAP) / step));
    for (let k = 0; k < rows; k++) {
      for (const [align, offset] of [
        ['left', PAD],
        ['right', -PAD],
      ] as const) {
        out.push({ p: { align, baseline: 'top', at: GAP + k * step, offset }, rank: k });
        out.push({ p: { align, baseline: 'bottom', at: panel.height - GAP - k * step, offset }, rank: k + 0.5 });
      }
    }
  }
  return out;
}

/** Chooses every label's placement in one panel; throws when a label has no admissible place. */
function placePanel(panel: Panel, orientOf: Map<string, 'x' | 'y'>, texts: Map<string, string>): Map<string, Placement> {
  const chosen = new Map<string, Placement>();
  const placed: Box[] = [];
  const inside = (b: Box) => b.x1 >= 0 && b.y1 >= 0 && b.x2 <= panel.width && b.y2 <= panel.height;
  // Top to bottom for horizontal lines, left to right for vertical ones: neighbours stack in order.
  const labels = [...panel.labels].sort((a, b) => (orientOf.get(a.id) === 'x' ? a.x - b.x : a.y - b.y));
  for (const l of labels) {
    const orient = orientOf.get(l.id)!;
    const line = orient === 'y' ? l.y : l.x;
    let best: { p: Placement; box: Box; cost: number } | null = null;
    for (const { p, rank } of candidates(orient, panel, l.h)) {
      const box = boxOf(orient, line, l.w, l.h, p);
      if (!inside(box) || placed.some((q) => overlaps(box, q, GAP))) continue;
      const hits = panel.segments.filter((s) => segmentHits(s, box)).length + panel.boxes.filter((b) => overlaps(box, b)).length;
      const cost = hits + rank * 0.75;
      if (!best || cost < best.cost) best = { p, box, cost };
    }
    if (!best) {
      throw new DlnError(
        'ERR_DLN_INTERNAL',
        `no room for the label "${texts.get(l.id)}" in a ${panel.width}x${panel.height} panel without overlapping another`,
      );
    }
    placed.push(best.box);
    chosen.set(l.id, best.p);
  }
  return chosen;
}

/**
 * The spec with every reference-line label placed (a new object; the input is not changed).
 * A spec without labels comes back as it is.
 */
export async function placeLabels(input: VegaLiteSpec): Promise<VegaLiteSpec> {
  const spec = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  const labels = findLabels(spec);
  if (labels.length === 0) return input;
  const { vega, vegaLite } = vegaLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  let panels: Panel[];
  try {
    await view.runAsync();
    panels = scan(view.scenegraph().root);
  } finally {
    view.finalize();
  }
  const orientOf = new Map(labels.map((l) => [l.id, l.orient]));
  const texts = new Map(labels.map((l) => [l.id, String(l.datum.rule ?? '')]));
  const placement = new Map<string, Placement>();
  for (const panel of panels) for (const [id, p] of placePanel(panel, orientOf, texts)) placement.set(id, p);

  // One layer per label, replacing the layer that held them (in place, keeping the layer order).
  const byLayer = new Map<Record<string, unknown>, LabelRef[]>();
  for (const l of labels) byLayer.set(l.layer, [...(byLayer.get(l.layer) ?? []), l]);
  for (const [layer, refs] of byLayer) {
    const parent = refs[0].parent;
    const split = refs.map((r) => {
      const p = placement.get(r.id);
      if (!p) throw new DlnError('ERR_DLN_INTERNAL', `the label "${String(r.datum.rule)}" was not drawn (no finite position)`);
      const mark: Record<string, unknown> = { ...(layer.mark as Record<string, unknown>), align: p.align, baseline: p.baseline };
      const encoding = { ...(layer.encoding as Record<string, unknown>) };
      const { dlnLabel: _id, ...datum } = r.datum;
      void _id;
      if (r.orient === 'y') {
        delete mark.dx;
        mark.dy = p.offset;
        encoding.x = { value: p.at };
      } else {
        delete mark.dy;
        mark.dx = p.offset;
        encoding.y = { value: p.at };
      }
      return { ...layer, data: { values: [datum] }, mark, encoding };
    });
    parent.splice(parent.indexOf(layer), 1, ...split);
  }
  return spec;
}
