/** Long work runs off the event loop, reports progress, and stops promptly on abort. */
import { DlnAbortError, DlnError, initWeights, train } from '../lib';
import { mcProblem, MC_WIDTHS, watchEventLoop } from './helpers';

describe('async runs', () => {
  const problem = mcProblem();
  const w0 = initWeights(MC_WIDTHS, { scale: 0.3, seed: 1 });
  // About 0.3 us per step: 1e9 steps would take minutes.
  const long = { learningRate: 0.02, steps: 1e9 };

  test('an AbortSignal stops a long run within 50 ms, with the partial result attached', async () => {
    // Aborted once the run has reported progress past 1,000 steps (not after a fixed delay: on a
    // loaded machine the worker thread may not have started by then), and timed from the abort.
    const controller = new AbortController();
    let abortedAt = 0;
    const run = train(problem, w0, {
      ...long,
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt === 0 && p.done > 1000) {
          abortedAt = performance.now();
          controller.abort();
        }
      },
    });
    const err = await run.catch((e) => e);
    const stopMs = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(DlnAbortError);
    expect((err as DlnError).code).toBe('ERR_DLN_CANCELLED');
    expect((err as DlnError).name).toBe('AbortError');
    const partial = (err as DlnAbortError<{ status: string; steps: number; trace: { length: number } }>).partial!;
    expect(partial.status).toBe('cancelled');
    expect(partial.steps).toBeGreaterThan(1000);
    expect(partial.trace.length).toBe(2); // the initial and the final (cancelled) point
    expect(stopMs).toBeLessThan(50 + 100); // stop within 50 ms of the abort (+ CI slack)
  });

  test('an already-aborted signal rejects without starting', async () => {
    const err = await train(problem, w0, { ...long, signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(DlnAbortError);
  });

  test('false case for the loop watch: work on the main thread shows as one long gap', async () => {
    const loop = watchEventLoop(10);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const until = performance.now() + 300;
    while (performance.now() < until); // blocks the loop, as a synchronous native call would
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(loop.stop().maxGapMs).toBeGreaterThanOrEqual(300);
  });

  test('the event loop keeps running during a long computation, and progress arrives', async () => {
    const controller = new AbortController();
    const loop = watchEventLoop(10);
    const progress: number[] = [];
    const run = train(problem, w0, { ...long, signal: controller.signal, onProgress: (p) => progress.push(p.done) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    await run.catch(() => undefined);
    const { ticks, maxGapMs } = loop.stop();
    // A run on the main thread would block the loop for the whole 500 ms (one gap that long).
    expect(ticks).toBeGreaterThan(2);
    expect(maxGapMs).toBeLessThan(250);
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress[progress.length - 1]).toBeLessThanOrEqual(1e9);
  });

  test('a throwing progress callback stops the run and rejects with exactly what it threw (issue 12 item 18)', async () => {
    // The run is 1e9 steps: resolving at all proves the throw stopped it. Before: a DlnError
    // ERR_DLN_INTERNAL "onProgress threw: " (empty for a non-Error), as if dlnflow had a bug.
    const boom = new Error('boom');
    const thrown = (value: unknown) =>
      train(problem, w0, {
        ...long,
        onProgress: () => {
          throw value;
        },
      }).then(
        () => 'resolved',
        (e: unknown) => e,
      );
    expect(await thrown(boom)).toBe(boom);
    expect(await thrown('stop')).toBe('stop');
    expect(await thrown(42)).toBe(42);
    const greedyLike = await thrown({ reason: 'user' });
    expect(greedyLike).toEqual({ reason: 'user' });
  });

  test('more runs than cores queue up and all finish', async () => {
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => train(problem, w0, { learningRate: 0.02, steps: 2000 + i })));
    runs.forEach((r, i) => expect(r.steps).toBe(2000 + i));
  });
});
