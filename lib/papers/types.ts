/** A preset: an experiment config shipped with the package, and the paper findings its report checks. */
import type { ExperimentInput } from '../experiments/schema';
import type { FindingsFn } from '../report/findings';

/** A config as written, with an optional `quick:` patch (merged in by --quick). */
export type PresetConfig = ExperimentInput & { quick?: Record<string, unknown> };

export interface Preset {
  name: string;
  /** One line for `dlnflow presets`. */
  summary: string;
  config: PresetConfig;
  findings?: FindingsFn;
}
