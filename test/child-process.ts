/** Runs node scripts in child processes (two at a time): for tests whose subject may crash the process. */
import { spawn } from 'node:child_process';

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// At most two children at a time: more only fight for this machine's two cores (and, under the
// sanitizer build, ran into the timeout).
const MAX_RUNNING = 2;
let running = 0;
const waiting: Array<() => void> = [];

export async function runNode(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<ChildResult> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await spawnNode(args, env, timeoutMs);
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Exit code 0 and no signal, or a failure that shows what the child printed. */
export function expectClean(r: ChildResult): void {
  const report = `status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect({ status: r.status, signal: r.signal, report }).toEqual({ status: 0, signal: null, report });
}
