/**
 * dlnflow: training dynamics of deep linear networks.
 *
 * Weights are one flat Float64Array holding W_1 ... W_L row-major, concatenated (or a list of
 * layer matrices, converted on the way in). Matrices are {rows, cols, data} row-major.
 *
 * Loading: this module loads the training stack only (errors, the addon surface, lib/api,
 * lib/analysis). The problem-file parser, the experiment engine (zod, yaml), the report (Vega)
 * and the presets load on first use: their functions are exported as forwarders that require
 * their module when called, the zod schemas and the preset list as lazy objects (util/lazy.ts).
 * The benchmark `npm run bench -- import` measures what a require() costs.
 */
import { lazyFunction, lazyObject } from './util/lazy';

export { DlnError, DlnAbortError, type DlnErrorCode } from './errors';
export { type Matrix, type MatrixLike, type VectorLike, type WeightsLike, layers, flattenWeights, paramCount, toMatrix, toRows } from './api/matrix';
export {
  Problem,
  type ProblemKind,
  type RegressionSpec,
  type MseSpec,
  type CompletionSpec,
  type EntryLike,
  type Evaluation,
  type RegressionTheory,
} from './api/problem';
export { train, type TrainOptions, type RunResult, type RunStatus, type Quantity } from './api/train';
export { trainLanes, laneIneligibility, type LaneRun } from './api/train-lanes';
export { flow, type FlowOptions, type FlowResult, type FlowEvent, type FlowEventOccurrence, type FlowStats } from './api/flow';
export { type CentralFlowResult, type CentralFlowStats, type EdgeChecks } from './api/central-flow';
export { Trace } from './api/trace';
export { type Progress, type RunControls } from './api/run';
export type { AbortPartials as ApiAbortPartials } from './api/abort';
export { QUANTITIES } from './options/run';
export { initWeights, lazyStd, randomUnitVector, type InitKind, type InitOptions } from './api/init';
export {
  marionChizatData,
  jacotTeacherData,
  completionData,
  jaxRandom,
  type RegressionData,
  type TeacherData,
  type CompletionData,
  type MarionChizatSource,
  type JaxKey,
  type AuthorsKeyName,
} from './api/data';
export { svd, type Svd } from './api/linalg';
export {
  hessianVectorProduct,
  sharpness,
  denseHessian,
  type SharpnessOptions,
  type SpectrumOptions,
  type SpectrumResult,
  type DenseHessian,
} from './api/spectrum';
export { measure, measureSync, type Measurement, type MeasureOptions } from './api/measure';
export { thirdDerivative, sharpnessGradient, type SharpnessGradientOptions, type SharpnessGradientResult } from './api/sharpness-gradient';
export { detectPlateaus, type Plateau, type PlateauOptions } from './analysis/plateaus';
export { lossSurface, type Surface, type SurfaceOptions } from './analysis/surface';
export { greedyRankIncremental, type GreedyData, type GreedyOptions, type GreedyResult, type GreedyStage } from './api/greedy';
export { buildInfo, setWorkerThreads, setBlasThreads, setMemoryLimit, setBlasThresholds, type BuildInfo } from './api/system';

export type { ProblemFile, LoadedProblem } from './config/problem-file';
export type { RunExperimentOptions, ExperimentOutcome, ExperimentAbortError } from './pipeline/run';
export type { SweepProgress } from './experiments/runner';
export type { Manifest } from './experiments/manifest';
export type { LoadedExperiment, LoadOptions } from './experiments/config';
export type { Plan, PlannedRun, Shard } from './experiments/plan';
export type { MergeOptions, MergeOutcome } from './pipeline/merge';
export type { Experiment, ExperimentInput, ExperimentSource, DeepPartial } from './experiments/schema';
export type { RunRecord } from './experiments/execute';
export type { ReportSummary, ReportOptions } from './report';
export type { Finding } from './report/findings';
export type { Preset } from './papers';

/**
 * What `DlnAbortError.partial` holds for each entry point an AbortSignal can stop (never: no
 * partial): `(err as AbortErrorOf<'train'>).partial` is a RunResult. See lib/api/abort.ts.
 */
export interface AbortPartials extends ApiAbortPartialsOf {
  /** The sweep so far: runs finished and saved in OUT (a rerun resumes). */
  runExperiment: SweepOutcomeOf;
}
export type AbortErrorOf<K extends keyof AbortPartials> = DlnAbortErrorOf<AbortPartials[K]>;
type ApiAbortPartialsOf = import('./api/abort').AbortPartials;
type SweepOutcomeOf = import('./experiments/runner').SweepOutcome;
type DlnAbortErrorOf<T> = import('./errors').DlnAbortError<T>;

// Loaded on first use (see the header). Each require names its module literally, so the layer
// test (test/architecture.test.ts) sees these dependencies like any import.
/* eslint-disable @typescript-eslint/no-require-imports -- require() on first use keeps require('dlnflow') cheap; import() would make these async */
const problemFile = (): typeof import('./config/problem-file') => require('./config/problem-file');
const schema = (): typeof import('./experiments/schema') => require('./experiments/schema');
const plan = (): typeof import('./experiments/plan') => require('./experiments/plan');
const report = (): typeof import('./report') => require('./report');
const pipeline = (): typeof import('./pipeline') => require('./pipeline');
const papers = (): typeof import('./papers') => require('./papers');
/* eslint-enable @typescript-eslint/no-require-imports */

export const parseProblemFile = lazyFunction('parseProblemFile', () => problemFile().parseProblemFile);
export const loadProblemFile = lazyFunction('loadProblemFile', () => problemFile().loadProblemFile);
export const problemFileSchema = lazyObject(() => problemFile().problemFileSchema);
export const runExperiment = lazyFunction('runExperiment', () => pipeline().runExperiment);
export const loadExperiment = lazyFunction('loadExperiment', () => pipeline().loadExperiment);
export const buildPlan = lazyFunction('buildPlan', () => plan().buildPlan);
export const mergeResults = lazyFunction('mergeResults', () => pipeline().mergeResults);
export const experimentSchema = lazyObject(() => schema().experimentSchema);
export const experimentJsonSchema = lazyFunction('experimentJsonSchema', () => schema().experimentJsonSchema);
export const buildReport = lazyFunction('buildReport', () => pipeline().buildReport);
export const loadDataset = lazyFunction('loadDataset', () => report().loadDataset);
export const presets = lazyObject(() => papers().presets, []);
export const findPreset = lazyFunction('findPreset', () => papers().findPreset);
