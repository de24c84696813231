// Type-checked (tsc --module nodenext) from a project that installed the tarball: the "import"
// condition's types (dist/index.d.mts) resolve, named and default imports are typed.
import dlnflow, { Problem, train, initWeights, DlnError, type RunResult, type TrainOptions } from 'dlnflow';

export async function run(problem: Problem): Promise<RunResult> {
  const options: TrainOptions = { learningRate: 0.01, steps: 10 };
  const w: Float64Array = initWeights(problem.widths, { kind: 'gaussian', scale: 0.1, seed: 0 });
  const result = await train(problem, w, options);
  const code: string | undefined = result.status === 'failed' ? new DlnError('ERR_DLN_INTERNAL', 'x').code : undefined;
  void code;
  return dlnflow.train(problem, w, options);
}
