/** The `dlnflow` command line. */
import { Command, CommanderError } from 'commander';
import { DlnError } from '../errors';
import { registerFlow } from './flow';
import { registerInspect } from './inspect';
import { EXIT, guardStdout } from './output';
import { registerProblem } from './problem';
import { registerResults } from './results';
import { registerRun } from './run';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json lies outside lib/ (tsconfig.build.json's rootDir): an import would pull it into dist/
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

/**
 * Runs the CLI; resolves to the process exit code (README, "Errors"): 0 success, 1 usage error,
 * 2 a dlnflow error (ERR_DLN_*), 3 completed but incomplete (a checked finding failed, runs are
 * missing after an unsharded run or a merge, records conflict), 130 interrupted. Errors print
 * one clear line, not a stack; anything else is a bug, printed with its stack as ERR_DLN_INTERNAL.
 */
export async function main(argv: string[]): Promise<number> {
  guardStdout();
  process.exitCode = undefined;
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command may set a non-zero status without failing (missing runs, failed findings, an interrupted run).
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof DlnError) {
      process.stderr.write(`dlnflow: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
      return err.code === 'ERR_DLN_CANCELLED' ? EXIT.interrupted : EXIT.error;
    }
    const e = err as Error;
    process.stderr.write(`dlnflow: internal error (a bug: please report it) [ERR_DLN_INTERNAL]\n${e && e.stack ? e.stack : String(err)}\n`);
    return EXIT.error;
  }
}
