/**
 * The report of a results directory with the findings of the preset it ran (the manifest names
 * it), or the generic divergence counts for an experiment that is no preset.
 */
import { readManifest } from '../experiments/manifest';
import { checkOptions } from '../options/declare';
import { reportOptions, resultDirectory } from '../options/experiment';
import { findPreset } from '../papers';
import { writeReport, type ReportOptions, type ReportSummary } from '../report';
import type { FindingsFn } from '../report/findings';
import { displaySummary } from './display';

/** The findings a report of this preset checks (undefined: no preset, or one without findings). */
export function presetFindings(preset: string | null | undefined): FindingsFn | undefined {
  return preset ? findPreset(preset)?.findings : undefined;
}

/** Writes every report file into OUT and returns the summary. */
export async function buildReport(out: string, options: ReportOptions = {}): Promise<ReportSummary & { text: string }> {
  resultDirectory(out, 'out');
  checkOptions(reportOptions, options);
  return displaySummary(out, await writeReport(out, { ...options, findings: presetFindings(readManifest(out)?.preset) }));
}
