/** The presets shipped with dlnflow: one module per paper figure. */
import { jacotEscape, jacotFig1, jacotFig2, jacotFig3, jacotGreedy } from './jacot';
import { marionChizatDepth } from './marion-chizat-depth';
import { marionChizatGfLimit } from './marion-chizat-gf-limit';
import { marionChizatFig1, marionChizatFig3 } from './marion-chizat-sweeps';
import { marionChizatUnderdetermined } from './marion-chizat-underdetermined';
import { marionChizatFig1Traces, marionChizatFig3Traces } from './marion-chizat-traces';
import type { Preset } from './types';

export type { Preset, PresetConfig } from './types';

export const presets: readonly Preset[] = [
  marionChizatFig1,
  marionChizatFig1Traces,
  marionChizatFig3,
  marionChizatFig3Traces,
  marionChizatDepth,
  marionChizatUnderdetermined,
  marionChizatGfLimit,
  jacotFig2,
  jacotEscape,
  jacotFig3,
  jacotFig1,
  jacotGreedy,
];

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name);
}
