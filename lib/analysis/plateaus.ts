/**
 * Plateaus of a loss curve: the stretches where training sits near a saddle (Jacot et al.'s
 * saddle-to-saddle regime). A plateau is a maximal run of recorded points whose losses stay
 * within a factor (1 + tolerance) of each other for long enough: by default on a log-time axis
 * (end / start >= minRatio), as saddle-to-saddle escapes are spaced in log time, or as a fraction
 * of the recorded span on a linear axis. A final stretch reaching the end of the record is
 * reported too, flagged `final` (convergence or the budget's end, not necessarily a saddle).
 */
import { fieldError } from '../errors';
import { plateauOptions } from '../options/analysis';
import { checkOptions, withDefaults, type OptionsOf } from '../options/declare';

export interface Plateau {
  /** Time (or step) of the first and last point of the stretch. */
  start: number;
  end: number;
  /** Geometric mean loss over the stretch. */
  loss: number;
  /** Most frequent rank over the stretch, when ranks were given. */
  rank: number | null;
  /** True for the last stretch when it reaches the end of the record (convergence, not a saddle). */
  final: boolean;
}

/** The options of detectPlateaus(), declared in lib/options/analysis.ts: tolerance, timeScale, minRatio, minFraction. */
export type PlateauOptions = OptionsOf<typeof plateauOptions.fields>;

function mode(values: ArrayLike<number>, from: number, to: number): number {
  const counts = new Map<number, number>();
  for (let i = from; i <= to; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  let best = values[from];
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v < best)) [best, bestCount] = [v, c];
  return best;
}

export function detectPlateaus(time: ArrayLike<number>, loss: ArrayLike<number>, rank?: ArrayLike<number>, options: PlateauOptions = {}): Plateau[] {
  const n = time.length;
  if (loss.length !== n || (rank && rank.length !== n)) throw fieldError('ERR_DLN_SHAPE', 'loss', 'time, loss (and rank) must have the same length');
  checkOptions(plateauOptions, options);
  const { tolerance, timeScale: scale, minFraction, minRatio } = withDefaults(plateauOptions, options) as Required<PlateauOptions>;
  if (n === 0) return [];
  const firstPositive = Array.prototype.find.call(time, (t: number) => t > 0) as number | undefined;
  const longEnough = (a: number, b: number) => {
    if (scale === 'linear') return b - a >= minFraction * (time[n - 1] - time[0]);
    const start = a > 0 ? a : firstPositive;
    return start !== undefined && b / start >= minRatio;
  };
  const plateaus: Plateau[] = [];
  let i = 0;
  while (i < n) {
    let lo = loss[i];
    let hi = loss[i];
    let j = i;
    while (j + 1 < n) {
      const v = loss[j + 1];
      const nlo = Math.min(lo, v);
      const nhi = Math.max(hi, v);
      if (!(nhi <= nlo * (1 + tolerance))) break;
      lo = nlo;
      hi = nhi;
      j++;
    }
    if (j > i && longEnough(time[i], time[j])) {
      let logSum = 0;
      for (let k = i; k <= j; k++) logSum += Math.log(Math.max(loss[k], Number.MIN_VALUE));
      plateaus.push({
        start: time[i],
        end: time[j],
        loss: Math.exp(logSum / (j - i + 1)),
        rank: rank ? mode(rank, i, j) : null,
        final: j === n - 1,
      });
      i = j + 1;
    } else {
      i++;
    }
  }
  return plateaus;
}
