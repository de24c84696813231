/**
 * The pipeline: the experiment engine (lib/experiments), the report (lib/report) and the shipped
 * presets (lib/papers) wired together, as the CLI and the package's API use them. The layers below
 * know nothing of each other's callers: the sweep runner builds no report, the report picks no
 * findings, the loader finds no presets; these modules pass each what it needs.
 */
export { loadExperiment, resolveExperiment } from './load';
export { buildReport, presetFindings } from './report';
export { runExperiment, runLoadedExperiment, type ExperimentAbortError, type ExperimentOutcome, type RunExperimentOptions } from './run';
export { mergeResults, type MergeOptions, type MergeOutcome } from './merge';
