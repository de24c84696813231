/**
 * `dlnflow merge DIR...`: combines the shards of one experiment and reports what is missing;
 * `dlnflow report DIR`: rebuilds the report of a results directory;
 * `dlnflow presets [NAME]` / `dlnflow schema`: what ships with the package.
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { DlnError } from '../errors';
import { experimentJsonSchema } from '../experiments/schema';
import { ensureDir, writeFileAtomic } from '../experiments/store';
import { findPreset, presets } from '../papers';
import { buildReport, mergeResults } from '../pipeline';
import type { ReportSummary } from '../report';
import { closest } from '../util/closest';
import type { FigureFormat } from '../report/render';
import { EXIT, failedClaims, parsePathOption, plainYaml, print, setExitCode, toJson } from './output';
import { parseFigureFormats } from './parse';

/** Exit code 3 (with the reason on stderr) when a checked finding or a check of the config failed. */
function checkFindings(summary: ReportSummary | undefined): void {
  for (const why of failedClaims(summary)) {
    process.stderr.write(`dlnflow: ${why} (exit code ${EXIT.incomplete})\n`);
    setExitCode(EXIT.incomplete);
  }
}

export function registerResults(program: Command): void {
  program
    .command('merge')
    .description('merge result directories of one experiment (its shards), list missing runs, and build the report when complete')
    .argument('<dirs...>', 'results directories holding the same plan')
    .option('--out <dir>', 'where the merged results go (default: the first directory)', parsePathOption)
    .option('--partial', 'build the report even if runs are missing')
    .option('--formats <list>', 'figure files to write: any of svg,png,pdf (default: all three)', parseFigureFormats)
    .option('--json', 'print the outcome as JSON')
    .option('--force-unlock', "take over the output directory's locks even if their holders look alive (check they are gone)")
    .action(async (dirs: string[], options: { out?: string; partial?: boolean; formats?: FigureFormat[]; json?: boolean; forceUnlock?: boolean }) => {
      const m = await mergeResults(dirs, { out: options.out, partial: options.partial, formats: options.formats, forceUnlock: options.forceUnlock });
      if (options.json) {
        print(`${toJson({ ...m, missing: m.missing.map((r) => ({ id: r.id, index: r.index, values: r.values, rep: r.rep })) })}\n`);
      } else {
        print(`${m.out}: ${m.present}/${m.planned} runs present\n`);
        if (m.conflicts.length)
          print(`  ${m.conflicts.length} run(s) differ between copies (kept the first): ${m.conflicts.slice(0, 5).join(', ')}\n`);
        if (m.incomplete.length)
          print(
            `  ${m.incomplete.length} run(s) have no trace or weights file in any directory (counted missing): ${m.incomplete.slice(0, 5).join(', ')}\n`,
          );
        if (m.missing.length) {
          print(`  missing ${m.missing.length} run(s)${m.owingShards.length ? `, owed by shard(s) ${m.owingShards.join(', ')}` : ''}:\n`);
          for (const r of m.missing.slice(0, 20)) {
            print(
              `    #${r.index} ${r.id} ${Object.entries(r.values)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')} rep=${r.rep}\n`,
            );
          }
          if (m.missing.length > 20) print(`    ... and ${m.missing.length - 20} more\n`);
          print('  rerun the shards that owe them (`dlnflow run ... --shard i/N` resumes), then merge again\n');
        }
        if (m.summary) print(`${m.summary.text}\n`);
      }
      if (m.missing.length || m.conflicts.length) {
        const why = [
          m.missing.length ? `${m.missing.length} of ${m.planned} runs are missing` : '',
          m.conflicts.length ? `${m.conflicts.length} run(s) have conflicting records` : '',
        ]
          .filter(Boolean)
          .join(', ');
        process.stderr.write(`dlnflow: merge: ${why} (exit code ${EXIT.incomplete})\n`);
        setExitCode(EXIT.incomplete);
      }
      checkFindings(m.summary);
    });

  program
    .command('report')
    .description('(re)build the report of a results directory: figures, tables, summary.json, report.html')
    .argument('<dir>', 'results directory')
    .option('--partial', 'build it even if runs are missing')
    .option('--formats <list>', 'figure files to write: any of svg,png,pdf (default: all three)', parseFigureFormats)
    .option('--json', 'print summary.json')
    .action(async (dir: string, options: { partial?: boolean; formats?: FigureFormat[]; json?: boolean }) => {
      const s = await buildReport(dir, { partial: options.partial, formats: options.formats });
      const { text, ...summary } = s;
      print(options.json ? `${toJson(summary)}\n` : `${text}\n`);
      if (s.missing > 0) {
        process.stderr.write(`dlnflow: report: ${s.missing} run(s) are missing: the report is partial (exit code ${EXIT.incomplete})\n`);
        setExitCode(EXIT.incomplete);
      }
      checkFindings(s);
    });

  program
    .command('presets')
    .description('list the presets (one line each), or print one as YAML to start your own config from')
    .argument('[name]', 'print this preset as YAML')
    .option('--json', 'print JSON')
    .action((name: string | undefined, options: { json?: boolean }) => {
      if (name !== undefined) {
        const p = findPreset(name);
        if (!p) {
          const near = closest(
            name,
            presets.map((q) => q.name),
          );
          throw new DlnError(
            'ERR_DLN_VALUE',
            `no preset named "${name}"${near ? ` (did you mean ${near}?)` : ` (have: ${presets.map((q) => q.name).join(', ')})`}`,
            { field: 'name' },
          );
        }
        process.stdout.write(
          options.json ? `${toJson(p.config)}\n` : `# ${p.summary}\n# run it: dlnflow run ${p.name} --out DIR [--quick]\n${plainYaml(p.config)}`,
        );
        return;
      }
      if (options.json) {
        process.stdout.write(`${toJson(presets.map((p) => ({ name: p.name, summary: p.summary })))}\n`);
        return;
      }
      const width = Math.max(...presets.map((p) => p.name.length));
      for (const p of presets) process.stdout.write(`${p.name.padEnd(width)}  ${p.summary}\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of experiment configs (for editor completion and validation)')
    .option('--out <file>', 'write it to a file instead (its directory is created)', parsePathOption)
    .action(async (options: { out?: string }) => {
      const text = `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
      if (options.out !== undefined) {
        ensureDir(dirname(options.out));
        await writeFileAtomic(options.out, text);
      } else print(text);
    });
}
