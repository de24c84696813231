/**
 * Loading an experiment with the shipped presets: a source (or an `extends:`) naming a preset
 * resolves to lib/papers' config. The loader itself (experiments/config.ts) knows no presets.
 */
import * as config from '../experiments/config';
import type { LoadedExperiment, LoadOptions } from '../experiments/config';
import { checkOptions } from '../options/declare';
import { loadOptions } from '../options/experiment';
import { findPreset as find, presets } from '../papers';
import type { PresetLookup } from '../experiments/config';
import type { ExperimentSource } from '../experiments/schema';

/** The shipped presets, by name (their names listed for "did you mean"). */
const findPreset: PresetLookup = Object.assign((name: string) => find(name), {
  get names() {
    return presets.map((p) => p.name);
  },
});

/** A preset name, a path to a .yaml/.yml/.json file, or a config object. */
export async function loadExperiment(source: string | ExperimentSource, options: LoadOptions = {}): Promise<LoadedExperiment> {
  checkOptions(loadOptions, options);
  return config.loadExperiment(source, options, findPreset);
}

/** Resolves `extends` (a shipped preset), `quick` and overrides on a raw config, then validates it. */
export function resolveExperiment(raw: unknown, source: string, options: LoadOptions = {}, preset?: string): LoadedExperiment {
  return config.resolveExperiment(raw, source, options, findPreset, preset);
}
