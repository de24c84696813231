/**
 * Vega-Lite to SVG, headless and in pure JavaScript (Vega's renderer "none": no canvas, no
 * browser). Vega 5 / Vega-Lite 5 are used because they ship CommonJS builds that load under
 * Node 20 and jest alike (Vega-Lite 6.5 needs Node 22; the 6.x line is ESM-only).
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { DlnError } from '../errors';
import type { VegaLiteSpec } from './figures';

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const compiled = compile(spec as any).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  } catch (err) {
    throw new DlnError('ERR_DLN_INTERNAL', `cannot render figure "${String(spec.title)}": ${(err as Error).message}`, { cause: err });
  }
}
