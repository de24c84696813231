/** The presets shipped with dlnflow: one module per paper figure. */
import { marionChizatFig1 } from './marion-chizat-fig1';
import type { Preset } from './types';

export type { Preset, PresetConfig } from './types';

export const presets: readonly Preset[] = [marionChizatFig1];

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name);
}
