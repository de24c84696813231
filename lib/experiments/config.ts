/**
 * Loading an experiment: a preset name, a YAML/JSON file or an object; `extends: PRESET` starts
 * from a preset; a `quick:` block (a patch merged in with --quick) gives the reduced version;
 * then `--set path=value` overrides; then the schema. Errors name the source and the bad field.
 * The presets live in a higher layer (lib/papers): the caller passes the lookup that finds them
 * (pipeline/load.ts passes the shipped presets').
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import YAML from 'yaml';
import { DlnError } from '../errors';
import { configError } from '../config/issues';
import { closest } from '../util/closest';
import { parsePath } from '../util/paths';
import { resolveDataPaths } from './data-path';
import { applyOverrides, deepMerge, parseOverride } from './overrides';
import { experimentSchema, type Experiment, type ExperimentSource } from './schema';

export interface LoadOptions {
  /** Apply the config's `quick:` patch (the reduced version for tests and a first look). */
  quick?: boolean;
  /** `path=value` overrides, applied last. */
  overrides?: readonly string[];
}

/** A preset as the loader needs it: its name and its config (with an optional `quick:` patch). */
export interface NamedConfig {
  name: string;
  config: object;
}

/** Finds a preset by name (undefined: there is none); `names`, when given, lists them for "did you mean". */
export type PresetLookup = ((name: string) => NamedConfig | undefined) & { names?: readonly string[] };

/** " (did you mean X?)" when `name` is close to a preset's name. */
function presetHint(name: string, findPreset: PresetLookup): string {
  const near = findPreset.names ? closest(name, findPreset.names) : undefined;
  return near ? ` (did you mean ${near}?)` : '';
}

export interface LoadedExperiment {
  experiment: Experiment;
  /** The preset it is (or extends), whose findings the report checks. */
  preset?: string;
  /** Where it came from: "preset NAME", a file path, or "object". */
  source: string;
  quick: boolean;
  overrides: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DlnError('ERR_DLN_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return extname(path).toLowerCase() === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new DlnError('ERR_DLN_CONFIG', `${path} is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * `--set` on a field that a sweep axis also sets would be lost: every grid point sets the axis.
 * Rather than drop it silently (or silently drop the axis, which the report's figures may plot),
 * refuse it and say how to change the axis itself. A path conflicts with an axis when one is a
 * prefix of the other (`train` and `train.learningRate`); `sweep...` overrides edit the axes.
 */
function checkOverridesAgainstSweep(config: unknown, overrides: readonly string[]): void {
  const sweep = isObject(config) ? config.sweep : undefined;
  if (!Array.isArray(sweep)) return;
  for (const text of overrides) {
    const { path } = parseOverride(text);
    const segments = parsePath(path);
    if (segments[0] === 'sweep') continue;
    sweep.forEach((factor, f) => {
      if (!isObject(factor)) return;
      for (const axis of Object.keys(factor)) {
        let axisSegments: string[];
        try {
          axisSegments = parsePath(axis);
        } catch {
          continue; // the schema reports a malformed axis
        }
        const n = Math.min(segments.length, axisSegments.length);
        if (segments.slice(0, n).every((s, i) => s === axisSegments[i])) {
          throw new DlnError(
            'ERR_DLN_CONFIG',
            `--set ${path}: sweep[${f}] varies ${axis}, which would replace this value at every grid point; ` +
              `change the axis instead (e.g. --set 'sweep[${f}][${axis}]=[...]', keeping axes of one factor the same length) or remove it`,
            { field: path },
          );
        }
      }
    });
  }
}

/** Resolves `extends`, `quick` and overrides on a raw config, then validates it. */
export function resolveExperiment(raw: unknown, source: string, options: LoadOptions, findPreset: PresetLookup, preset?: string): LoadedExperiment {
  if (!isObject(raw)) throw new DlnError('ERR_DLN_CONFIG', `${source}: expected a mapping (an object) at the top level`);
  let config: Record<string, unknown> = raw;
  if (config.extends !== undefined) {
    if (typeof config.extends !== 'string') throw new DlnError('ERR_DLN_CONFIG', `${source}: extends must be a preset name`, { field: 'extends' });
    const base = findPreset(config.extends);
    if (!base)
      throw new DlnError(
        'ERR_DLN_CONFIG',
        `${source}: extends: no preset named "${config.extends}"${presetHint(config.extends, findPreset)} (see \`dlnflow presets\`)`,
        { field: 'extends' },
      );
    preset = base.name;
    const { extends: _ignored, ...rest } = config;
    config = deepMerge(base.config, rest) as Record<string, unknown>;
  }
  const { quick: quickPatch, ...body } = config;
  let merged: unknown = body;
  if (options.quick) {
    if (quickPatch === undefined)
      throw new DlnError('ERR_DLN_CONFIG', `${source} has no quick: block, so --quick means nothing for it`, { field: 'quick' });
    merged = deepMerge(merged, quickPatch);
  }
  const overrides = [...(options.overrides ?? [])];
  merged = applyOverrides(merged, overrides);
  checkOverridesAgainstSweep(merged, overrides);
  const parsed = experimentSchema.safeParse(merged);
  if (!parsed.success) throw configError(source, parsed.error);
  // Problem-file paths still relative (from --set or an object) are relative to the working directory.
  const experiment = resolveDataPaths(parsed.data, process.cwd()) as Experiment;
  return { experiment, preset, source, quick: Boolean(options.quick), overrides };
}

/** A preset name, a path to a .yaml/.yml/.json file, or a config object. */
export async function loadExperiment(source: string | ExperimentSource, options: LoadOptions, findPreset: PresetLookup): Promise<LoadedExperiment> {
  if (typeof source !== 'string') return resolveExperiment(source, 'experiment', options, findPreset);
  const preset = findPreset(source);
  if (preset) return resolveExperiment(preset.config, `preset ${preset.name}`, options, findPreset, preset.name);
  if (!/\.(ya?ml|json)$/i.test(source)) {
    throw new DlnError(
      'ERR_DLN_CONFIG',
      `"${source}" is neither a preset nor a .yaml/.yml/.json file${presetHint(source, findPreset) || ' (see `dlnflow presets`)'}`,
    );
  }
  // A problem file named in a config file is relative to that file (data-path.ts).
  return resolveExperiment(resolveDataPaths(await readConfigFile(source), dirname(source)), source, options, findPreset);
}
