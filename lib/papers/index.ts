/**
 * The presets shipped with dlnflow, one module per paper figure: lib/papers/<paper>/<figure>.ts
 * holds one preset's config and its findings (a paper's shared helpers are in its common.ts).
 * Adding a figure: write its module, import it here and list it below. The order is that of
 * `dlnflow presets` and `dlnflow run all`. Every preset's findings are scoped to its own sweep
 * (withScopedFindings, lib/papers/common.ts).
 */
import { jacotEscape } from './jacot/escape';
import { jacotFig1 } from './jacot/fig1';
import { jacotFig2 } from './jacot/fig2';
import { jacotFig3 } from './jacot/fig3';
import { jacotGreedy } from './jacot/greedy';
import { jacotMuon } from './jacot/muon';
import { marionChizatBifurcation } from './marion-chizat/bifurcation';
import { marionChizatCriticalLr } from './marion-chizat/critical-lr';
import { marionChizatDepth } from './marion-chizat/depth';
import { marionChizatEosCentralFlow } from './marion-chizat/eos-central-flow';
import { marionChizatFig1 } from './marion-chizat/fig1';
import { marionChizatFig1bPredicted } from './marion-chizat/fig1b-predicted';
import { marionChizatFig1Traces } from './marion-chizat/fig1-traces';
import { marionChizatFig3 } from './marion-chizat/fig3';
import { marionChizatFig3Traces } from './marion-chizat/fig3-traces';
import { marionChizatGdVsFlow } from './marion-chizat/gd-vs-flow';
import { marionChizatGfLimit } from './marion-chizat/gf-limit';
import { marionChizatResidual } from './marion-chizat/residual';
import { marionChizatUnderdetermined } from './marion-chizat/underdetermined';
import { marionChizatOptimizerAdamEdge } from './marion-chizat/optimizer-adam-edge';
import { marionChizatOptimizerSgdEdge } from './marion-chizat/optimizer-sgd-edge';
import { marionChizatOptimizerFlatness } from './marion-chizat/optimizer-flatness';
import { withScopedFindings } from './common';
import type { Preset } from './types';

export type { Preset, PresetConfig } from './types';

export const presets: readonly Preset[] = [
  marionChizatFig1,
  marionChizatFig1Traces,
  marionChizatCriticalLr,
  marionChizatFig3,
  marionChizatFig3Traces,
  marionChizatResidual,
  marionChizatDepth,
  marionChizatUnderdetermined,
  marionChizatGfLimit,
  marionChizatEosCentralFlow,
  marionChizatOptimizerAdamEdge,
  marionChizatOptimizerSgdEdge,
  marionChizatFig1bPredicted,
  marionChizatGdVsFlow,
  marionChizatBifurcation,
  marionChizatOptimizerFlatness,
  jacotFig2,
  jacotEscape,
  jacotFig3,
  jacotFig1,
  jacotGreedy,
  jacotMuon,
].map(withScopedFindings);

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name);
}
