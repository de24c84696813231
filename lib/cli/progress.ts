/**
 * Sweep progress on stderr: a bar on a terminal (cli-progress), plain lines elsewhere (CI logs,
 * files, Slurm output): at most one every 10 s, plus each quarter and the end.
 */
import { SingleBar } from 'cli-progress';
import type { Progress } from '../api/run';
import type { SweepProgress } from '../experiments/runner';
import { formatNumber } from './output';

export interface ProgressView {
  update(p: SweepProgress): void;
  stop(): void;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function progressView(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const interactive = Boolean(stream.isTTY) && !process.env.CI;
  if (interactive) {
    const bar = new SingleBar(
      {
        stream,
        format: `${label} {bar} {value}/{total} runs | {diverged} diverged | {duration_formatted} elapsed, ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      undefined,
    );
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.total, p.done, { diverged: p.diverged });
          started = true;
        } else bar.update(p.done, { diverged: p.diverged });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastPrinted = -Infinity;
  let lastQuarter = -1;
  let last: SweepProgress | undefined;
  const print = (p: SweepProgress) => {
    const share = p.total ? (100 * p.done) / p.total : 100;
    stream.write(
      `${label}: ${p.done}/${p.total} runs (${share.toFixed(0)}%)${p.resumed ? `, ${p.resumed} resumed` : ''}, ${p.diverged} diverged, ${seconds(p.elapsedMs)}\n`,
    );
    lastPrinted = p.elapsedMs;
  };
  return {
    update(p) {
      last = p;
      const quarter = p.total ? Math.floor((4 * p.done) / p.total) : 4;
      if (p.elapsedMs - lastPrinted >= 10_000 || quarter > lastQuarter) {
        lastQuarter = quarter;
        print(p);
      }
    },
    stop() {
      if (last && lastQuarter < 4) print(last);
    },
  };
}

/**
 * Progress of one gradient-flow integration on a terminal: one line on stderr, rewritten at most
 * every 200 ms (time, accepted steps of the budget, loss), erased at the end. Undefined when
 * stderr is no terminal: logs and pipes get the result only.
 */
export function flowProgressView(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; stop: () => void } | undefined {
  if (!stream.isTTY || process.env.CI) return undefined;
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      const budget = p.total > 0 ? ` of ${p.total}` : '';
      stream.write(`\r\x1b[2Kflow: t = ${formatNumber(p.time)}, ${p.done}${budget} steps, loss ${formatNumber(p.loss)}`);
    },
    stop() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
