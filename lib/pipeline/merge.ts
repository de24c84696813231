/** Merging the shards of one experiment, then its report (with the preset's findings) when complete. */
import { mergeShards, type MergedShards } from '../experiments/merge';
import { checkOptions } from '../options/declare';
import { mergeOptions, resultDirectories } from '../options/experiment';
import type { ReportOptions, ReportSummary } from '../report';
import { buildReport } from './report';

export interface MergeOptions {
  /** Where the merged results go (default: the first directory). */
  out?: string;
  /** Build the report even when runs are missing. */
  partial?: boolean;
  /** Figure files of the report (default: svg, png and pdf; see ReportOptions.formats). */
  formats?: ReportOptions['formats'];
  /** Break OUT's locks even if their holders may be alive (they must be gone). */
  forceUnlock?: boolean;
}

export interface MergeOutcome extends MergedShards {
  summary?: ReportSummary & { text: string };
}

export async function mergeResults(dirs: string[], options: MergeOptions = {}): Promise<MergeOutcome> {
  resultDirectories(dirs, 'dirs');
  checkOptions(mergeOptions, options);
  const outcome: MergeOutcome = await mergeShards(dirs, { out: options.out, forceUnlock: options.forceUnlock });
  if (outcome.missing.length === 0 || options.partial)
    outcome.summary = await buildReport(outcome.out, { partial: options.partial, formats: options.formats });
  return outcome;
}
