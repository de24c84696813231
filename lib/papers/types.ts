/**
 * A preset: an experiment config shipped with the package, and the paper findings its report
 * checks. A preset's findings are claims about the preset's own sweep: each finding names what it
 * is about (Finding.about, lib/report/findings.ts), and withScopedFindings (lib/papers/common.ts)
 * marks not applicable, never ✓ or ✗, the findings of a config that `extends` the preset and runs
 * another sweep.
 */
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
