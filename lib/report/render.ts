/**
 * Vega-Lite to SVG, headless and in pure JavaScript (Vega's renderer "none": no canvas, no
 * browser). Vega 5 / Vega-Lite 5 are used because they ship CommonJS builds that load under
 * Node 20 and jest alike (Vega-Lite 6.5 needs Node 22; the 6.x line is ESM-only).
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { DlnError } from '../errors';
import type { VegaLiteSpec } from './figures';

/** Renders run one at a time: Vega numbers clip paths and gradients with process-wide counters. */
let queue: Promise<unknown> = Promise.resolve();

async function render(spec: VegaLiteSpec): Promise<string> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const compiled = compile(spec as any).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      // From 1 in every SVG, so that a figure's bytes do not depend on what this process drew
      // before it (a merged report must equal an unsharded run's, whichever process builds it).
      (vega as unknown as { resetSVGDefIds(): void }).resetSVGDefIds();
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  } catch (err) {
    throw new DlnError('ERR_DLN_INTERNAL', `cannot render figure "${String(spec.title)}": ${(err as Error).message}`, { cause: err });
  }
}

export function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const result = queue.then(() => render(spec));
  queue = result.catch(() => undefined);
  return result;
}
