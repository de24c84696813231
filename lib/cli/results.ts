/**
 * `dlnflow merge DIR...`: combines the shards of one experiment and reports what is missing;
 * `dlnflow report DIR`: rebuilds the report of a results directory;
 * `dlnflow presets` / `dlnflow schema`: what ships with the package.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { DlnError } from '../errors';
import { experimentJsonSchema } from '../experiments/schema';
import { findPreset, presets } from '../papers';
import { buildReport, mergeResults } from '../pipeline';
import { toJson } from './output';
import { parseFigureFormats } from './parse';
import type { FigureFormat } from '../report/render';

export function registerResults(program: Command): void {
  program
    .command('merge')
    .description('merge result directories of one experiment (its shards), list missing runs, and build the report when complete')
    .argument('<dirs...>', 'results directories holding the same plan')
    .option('--out <dir>', 'where the merged results go (default: the first directory)')
    .option('--partial', 'build the report even if runs are missing')
    .option('--formats <list>', 'figure files to write: any of svg,png,pdf (default: all three)', parseFigureFormats)
    .option('--json', 'print the outcome as JSON')
    .action(async (dirs: string[], options: { out?: string; partial?: boolean; formats?: FigureFormat[]; json?: boolean }) => {
      const m = await mergeResults(dirs, { out: options.out, partial: options.partial, formats: options.formats });
      if (options.json) {
        process.stdout.write(`${toJson({ ...m, missing: m.missing.map((r) => ({ id: r.id, index: r.index, values: r.values, rep: r.rep })) })}\n`);
      } else {
        process.stdout.write(`${m.out}: ${m.present}/${m.planned} runs present\n`);
        if (m.conflicts.length) process.stdout.write(`  warning: ${m.conflicts.length} run(s) differ between directories (kept the first): ${m.conflicts.slice(0, 5).join(', ')}\n`);
        if (m.missing.length) {
          process.stdout.write(`  missing ${m.missing.length} run(s)${m.owingShards.length ? `, owed by shard(s) ${m.owingShards.join(', ')}` : ''}:\n`);
          for (const r of m.missing.slice(0, 20)) {
            process.stdout.write(`    #${r.index} ${r.id} ${Object.entries(r.values).map(([k, v]) => `${k}=${v}`).join(' ')} rep=${r.rep}\n`);
          }
          if (m.missing.length > 20) process.stdout.write(`    ... and ${m.missing.length - 20} more\n`);
          process.stdout.write('  rerun the shards that owe them (`dlnflow run ... --shard i/N` resumes), then merge again\n');
        }
        if (m.summary) process.stdout.write(`${m.summary.text}\n`);
      }
      if (m.missing.length && !options.partial) process.exitCode = 1;
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
      process.stdout.write(options.json ? `${toJson(summary)}\n` : `${text}\n`);
    });

  program
    .command('presets')
    .description('list the presets (one line each), or print one as YAML to start your own config from')
    .argument('[name]', 'print this preset as YAML')
    .option('--json', 'print JSON')
    .action((name: string | undefined, options: { json?: boolean }) => {
      if (name !== undefined) {
        const p = findPreset(name);
        if (!p) throw new DlnError('ERR_DLN_VALUE', `no preset named "${name}" (have: ${presets.map((q) => q.name).join(', ')})`, { field: 'name' });
        process.stdout.write(options.json ? `${toJson(p.config)}\n` : `# ${p.summary}\n# run it: dlnflow run ${p.name} --out DIR [--quick]\n${YAML.stringify(p.config)}`);
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
    .option('--out <file>', 'write it to a file instead')
    .action((options: { out?: string }) => {
      const text = `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
      if (options.out) writeFileSync(options.out, text);
      else process.stdout.write(text);
    });
}
