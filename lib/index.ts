/**
 * dlnflow: training dynamics of deep linear networks.
 *
 * Weights are one flat Float64Array holding W_1 ... W_L row-major, concatenated (or a list of
 * layer matrices, converted on the way in). Matrices are {rows, cols, data} row-major.
 */
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
export {
  flow,
  type FlowOptions,
  type FlowResult,
  type FlowEvent,
  type FlowEventOccurrence,
  type FlowStats,
} from './api/flow';
export { Trace } from './api/trace';
export { type Progress, type RunControls } from './api/run';
export { initWeights, lazyStd, randomUnitVector, type InitKind, type InitOptions } from './api/init';
export { marionChizatData, jacotTeacherData, completionData, jaxRandom, type RegressionData, type TeacherData, type CompletionData, type MarionChizatSource, type JaxKey, type AuthorsKeyName } from './api/data';
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
export {
  thirdDerivative,
  sharpnessGradient,
  type SharpnessGradientOptions,
  type SharpnessGradientResult,
} from './api/sharpness-gradient';
export { detectPlateaus, type Plateau, type PlateauOptions } from './analysis/plateaus';
export { lossSurface, type Surface, type SurfaceOptions } from './analysis/surface';
export { greedyRankIncremental, type GreedyData, type GreedyOptions, type GreedyResult, type GreedyStage } from './api/greedy';
export { buildInfo, setWorkerThreads, setBlasThreads, setMemoryLimit, setBlasThresholds, type BuildInfo } from './api/system';
export { parseProblemFile, loadProblemFile, problemFileSchema, type ProblemFile, type LoadedProblem } from './config/problem-file';
export { runExperiment, type RunExperimentOptions, type ExperimentOutcome } from './pipeline/run';
export type { SweepProgress } from './experiments/runner';
export type { Manifest } from './experiments/manifest';
export { loadExperiment } from './pipeline/load';
export type { LoadedExperiment, LoadOptions } from './experiments/config';
export { buildPlan, type Plan, type PlannedRun, type Shard } from './experiments/plan';
export { mergeResults, type MergeOptions, type MergeOutcome } from './pipeline/merge';
export { experimentSchema, experimentJsonSchema, type Experiment, type ExperimentInput } from './experiments/schema';
export type { RunRecord } from './experiments/execute';
export { buildReport } from './pipeline/report';
export { loadDataset, type ReportSummary, type ReportOptions } from './report';
export type { Finding } from './report/findings';
export { presets, findPreset, type Preset } from './papers';
