import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parse as parseYaml, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UserError } from './errors.ts';
import type { PipelineDefinition } from './pipeline.ts';
import type { Json } from './types.ts';

/** A validated config with where it came from, so later errors can still point at a line. */
export interface LoadedConfig {
  config: { [key: string]: Json };
  source: string;
}

interface RawConfig {
  value: Record<string, unknown>;
  source: string;
  doc?: Document;
  lines?: LineCounter;
  /** Keys set on the command line, so errors about them say `--set key`. */
  overridden: Set<string>;
}

/**
 * Load a YAML or JSON config (JSON is YAML), apply `--set key.path=value` overrides, validate it
 * with the pipeline's strict zod schema and check that every data file it names exists.
 * Every failure is a `UserError` with one line: `file:line: key.path: what was expected`.
 */
export async function loadConfig(
  pipeline: PipelineDefinition,
  file: string | undefined,
  overrides: string[] = [],
  base?: { config: Record<string, unknown>; source: string },
): Promise<LoadedConfig> {
  const raw: RawConfig = file
    ? await readConfigFile(file)
    : { value: structuredClone(base?.config ?? {}), source: base?.source ?? '(defaults)', overridden: new Set<string>() };
  if ('pipeline' in raw.value) {
    if (raw.value.pipeline !== pipeline.name) {
      throw new UserError(`${where(raw, ['pipeline'])}: pipeline: this config is for "${String(raw.value.pipeline)}", not "${pipeline.name}"`);
    }
    delete raw.value.pipeline;
  }
  for (const assignment of overrides) applyOverride(raw, assignment);
  const result = pipeline.schema.safeParse(raw.value);
  if (!result.success) throw new UserError(describeIssue(raw, pipeline.schema, result.error.issues[0]!));
  const config = resolveRelativePaths(result.data as Record<string, Json>, raw.source);
  for (const ref of (await pipeline.dataFiles?.(config)) ?? []) {
    const found = await stat(ref.path).then((s) => s.isFile(), () => false);
    if (!found) throw new UserError(`${where(raw, ref.key.split('.'))}: ${ref.key}: data file not found: ${ref.path}`);
  }
  return { config: config as { [key: string]: Json }, source: raw.source };
}

/** The `pipeline:` key of a config file, for commands that take only the file. */
export async function pipelineNameOf(file: string): Promise<string | undefined> {
  const raw = await readConfigFile(file);
  return typeof raw.value.pipeline === 'string' ? raw.value.pipeline : undefined;
}

async function readConfigFile(file: string): Promise<RawConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read config (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new UserError(`${file}:${line}: syntax error: ${e.message.split('\n')[0]}`);
  }
  const value = doc.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${file}:1: the config must be a mapping of keys to values`);
  }
  return { value, source: resolve(file), doc, lines, overridden: new Set() };
}

function applyOverride(raw: RawConfig, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected key.path=value`);
  const key = assignment.slice(0, eq).trim();
  const path = key.split('.');
  let target = raw.value as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[path.at(-1)!] = parseYaml(assignment.slice(eq + 1));
  raw.overridden.add(key);
}

function describeIssue(raw: RawConfig, schema: z.ZodType, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = [...path, issue.keys[0]!];
    const allowed = objectKeysAt(schema, path);
    return `${where(raw, key)}: ${key.join('.')}: unknown key${allowed ? ` (expected one of: ${allowed.join(', ')})` : ''}`;
  }
  const key = path.join('.') || '(root)';
  return `${where(raw, path)}: ${key}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

/** The keys an object schema accepts at `path`, looking through defaults and optionals. */
function objectKeysAt(schema: z.ZodType, path: string[]): string[] | undefined {
  let node = schema as unknown as { _zod: { def: { innerType?: unknown; shape?: Record<string, unknown> } } };
  const unwrap = () => {
    while (node._zod.def.innerType) node = node._zod.def.innerType as typeof node;
  };
  unwrap();
  for (const part of path) {
    const next = node._zod.def.shape?.[part];
    if (!next) return undefined;
    node = next as typeof node;
    unwrap();
  }
  return node._zod.def.shape ? Object.keys(node._zod.def.shape) : undefined;
}

/** `file:line` of a key path, `--set key` for command-line values, or the nearest parent's line. */
function where(raw: RawConfig, path: string[]): string {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join('.');
    if (raw.overridden.has(key)) return `--set ${key}`;
  }
  if (!raw.doc || !raw.lines) return raw.source;
  for (let n = path.length; n >= 0; n--) {
    const node = findKeyNode(raw.doc, path.slice(0, n));
    if (node?.range) return `${raw.source}:${raw.lines.linePos(node.range[0]).line}`;
  }
  return `${raw.source}:1`;
}

function findKeyNode(doc: Document, path: string[]): { range?: [number, number, number] | null } | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  let node: unknown = doc.contents;
  let keyNode: { range?: [number, number, number] | null } | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === part);
      if (!pair) return undefined;
      keyNode = pair.key as typeof keyNode;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(part)];
      keyNode = node as typeof keyNode;
    } else return undefined;
  }
  return keyNode;
}

/** Keys naming files (`dataPath`, `spectrumFile`, `inputGlob`, …) by the convention every pipeline follows. */
const PATH_KEY = /(path|file|dir|glob)$/i;

/** Data paths in a config file are relative to the file, not to wherever the CLI was started. */
function resolveRelativePaths(config: Record<string, Json>, source: string): Record<string, Json> {
  if (!source.startsWith('/')) return config;
  const base = dirname(source);
  const walk = (value: Json, key: string): Json => {
    if (typeof value === 'string' && PATH_KEY.test(key) && !value.startsWith('/') && !value.startsWith('builtin:')) {
      return resolve(base, value);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    return value;
  };
  return walk(config, '') as Record<string, Json>;
}
