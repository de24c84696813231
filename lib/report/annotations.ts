/**
 * The parts of a figure that explain it: reference lines (their style and a legend of styles),
 * their on-chart labels, and the legend entry of the interval bands.
 *
 * Line styles, one legend for all of them ("strokeDash" scale shared by every layer of a view):
 *   - a rule whose value depends on the series (2/eta per learning rate, 1/(aL) per depth): dashed,
 *     in the series' colour; legend entry "<label>, in each series' colour";
 *   - a rule shared by every series that mentions eta (2/eta with one learning rate): dashed black,
 *     named on the chart and in the legend;
 *   - a theory line shared by every series (S_min, 2La, ...): dotted black, named on the chart;
 *     legend entry "theory (named on each line)".
 * On-chart labels are text layers whose data carry a `dlnLabel` field; lib/report/layout.ts moves
 * them (one layer per label, with pixel offsets) so that no two overlap, none leaves its panel and
 * each sits as clear of the data as the candidate positions allow.
 */

/** A reference line, evaluated (see figures.ts, ruleLines). */
export interface RuleLineLike {
  orient: 'x' | 'y';
  value: number;
  label: string;
  series: string | null;
  dashed: boolean;
}

const DASHED = [6, 4];
const DOTTED = [2, 3];
export const THEORY_ENTRY = 'theory (named on each line)';
export const BAND_ENTRY = '95% interval over repetitions';

/** A label for display: the expression's "eta" as η. */
export function prettyLabel(label: string): string {
  return label.replace(/\beta\b/g, 'η');
}

/** The legend entry a line belongs to. */
function entryOf(l: RuleLineLike): string {
  if (l.series !== null) return `${prettyLabel(l.label)}, in each series' colour`;
  return l.dashed ? prettyLabel(l.label) : THEORY_ENTRY;
}

/** The strokeDash scale shared by every rule layer of a view: one entry per style present. */
function styleScale(lines: RuleLineLike[]): { domain: string[]; range: number[][] } {
  const domain: string[] = [];
  const range: number[][] = [];
  for (const l of lines) {
    const e = entryOf(l);
    if (domain.includes(e)) continue;
    domain.push(e);
    range.push(l.series !== null || l.dashed ? DASHED : DOTTED);
  }
  return { domain, range };
}

const STYLE_LEGEND = { title: null, symbolType: 'stroke', symbolStrokeWidth: 1.5, symbolSize: 300, labelLimit: 300 };

/**
 * The layers that draw reference lines: the rules (styled through one legend) and, for the lines
 * shared by every series, their labels (placed later by layout.ts).
 * `colours` is the series colour scale (so a series' rule takes its colour), `width` the panel's.
 */
export function ruleLayers(lines: RuleLineLike[], colours: { domain: string[]; range: string[] }, width: number): Record<string, unknown>[] {
  const layers: Record<string, unknown>[] = [];
  if (lines.length === 0) return layers;
  const strokeDash = { field: 'style', type: 'nominal', scale: styleScale(lines), legend: STYLE_LEGEND };
  for (const orient of ['x', 'y'] as const) {
    const coloured = lines.filter((l) => l.series !== null && l.orient === orient);
    if (coloured.length) {
      layers.push({
        data: { values: coloured.map((l) => ({ value: l.value, series: l.series, rule: prettyLabel(l.label), style: entryOf(l) })) },
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: {
          [orient]: { field: 'value', type: 'quantitative' },
          color: { field: 'series', type: 'nominal', scale: colours, title: null },
          strokeDash,
          tooltip: [{ field: 'rule' }, { field: 'series' }, { field: 'value', format: '.4g' }],
        },
      });
    }
    const fixed = lines.filter((l) => l.series === null && l.orient === orient);
    if (fixed.length) {
      const values = fixed.map((l) => ({ value: l.value, rule: prettyLabel(l.label), style: entryOf(l) }));
      layers.push({
        data: { values },
        mark: { type: 'rule', color: 'black', strokeWidth: 1.2 },
        encoding: {
          [orient]: { field: 'value', type: 'quantitative' },
          strokeDash,
          tooltip: [{ field: 'rule' }, { field: 'value', format: '.4g' }],
        },
      });
      // First guesses (right end above a y rule, right of an x rule at the top); layout.ts decides.
      layers.push({
        data: { values: values.map((v) => ({ value: v.value, rule: v.rule, dlnLabel: orient })) },
        mark:
          orient === 'y'
            ? { type: 'text', align: 'right', baseline: 'bottom', dy: -2, fontSize: 10, color: 'black' }
            : { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, color: 'black' },
        encoding:
          orient === 'y'
            ? { y: { field: 'value', type: 'quantitative' }, x: { value: width - 3 }, text: { field: 'rule' } }
            : { x: { field: 'value', type: 'quantitative' }, y: { value: 2 }, text: { field: 'rule' } },
      });
    }
  }
  return layers;
}

/** The opacity channel of an interval band: draws it at 0.2 and gives it a legend entry. */
export function bandOpacity(): Record<string, unknown> {
  return {
    datum: BAND_ENTRY,
    type: 'nominal',
    scale: { type: 'ordinal', domain: [BAND_ENTRY], range: [0.2] },
    legend: { title: null, symbolType: 'square', symbolFillColor: '#808080', symbolStrokeWidth: 0, symbolSize: 150, labelLimit: 300 },
  };
}
