/** The `dlnflow` command line. */
import { Command, CommanderError } from 'commander';
import { DlnError } from '../errors';
import { registerFlow } from './flow';
import { registerInspect } from './inspect';
import { registerProblem } from './problem';
import { registerResults } from './results';
import { registerRun } from './run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('dlnflow')
    .description('Training dynamics of deep linear networks: gradient descent, gradient flow, sharpness.')
    .version(version)
    .exitOverride()
    .showHelpAfterError();
  registerInspect(program);
  registerFlow(program);
  registerRun(program);
  registerProblem(program);
  registerResults(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Errors print one clear line, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may set a non-zero status without failing (merge with runs missing, an interrupted run).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof DlnError) {
      process.stderr.write(`dlnflow: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
      return 2;
    }
    throw err;
  }
}
