import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, isMap, isSeq, parse as parseYaml, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { closestName } from './did-you-mean.ts';
import { UserError } from './errors.ts';
import { resolveInputFiles } from './inputs.ts';
import type { PipelineDefinition } from './pipeline.ts';
import { issueSiblings } from './schema-rules.ts';
import type { InputFile, Json } from './types.ts';

/** A validated config with where it came from, so later errors can still point at a line. */
export interface LoadedConfig {
  config: { [key: string]: Json };
  source: string;
  /** The data files the run would read now, hashed and checked by the pipeline. */
  inputs: InputFile[];
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
 * with the pipeline's strict zod schema (cross-field rules included), then hash the data files it
 * names and check them with the pipeline's readers. Every failure is a `UserError` with one line:
 * `file:line: key.path: what was expected` (or the data file's own `path:line: column: …`); a
 * config that breaks several schema rules lists each in `problems`.
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
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => describeIssue(raw, pipeline.schema, issue));
    throw new UserError(problems as [string, ...string[]]);
  }
  const config = resolveRelativePaths(result.data as Record<string, Json>, raw.source);
  const inputs = await resolveInputFiles(pipeline, config, (key) => where(raw, key.split('.')));
  return { config: config as { [key: string]: Json }, source: raw.source, inputs };
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
  const value = expandAliases(doc, file) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${file}:1: the config must be a mapping of keys to values`);
  }
  return { value: value as Record<string, unknown>, source: resolve(file), doc, lines, overridden: new Set() };
}

/** The document as plain values; yaml refuses alias bombs ("billion laughs") while expanding them. */
function expandAliases(doc: Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    throw new UserError(`${file}: cannot expand the YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Segments that would reach an object's prototype instead of a config key. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function applyOverride(raw: RawConfig, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected key.path=value`);
  const key = assignment.slice(0, eq).trim();
  const path = key.split('.');
  if (path.includes('')) throw new UserError(`--set ${key}: empty key in the path (write a.b=value)`);
  const reserved = path.find((part) => PROTOTYPE_KEYS.has(part));
  if (reserved) throw new UserError(`--set ${key}: "${reserved}" cannot be a config key`);
  const value = parseOverrideValue(key, assignment.slice(eq + 1));
  let target = raw.value as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    if (!Object.hasOwn(target, part) || typeof target[part] !== 'object' || target[part] === null) target[part] = {};
    target = target[part] as Record<string, unknown>;
  }
  target[path.at(-1)!] = value;
  raw.overridden.add(key);
}

/** A `--set` value parses as YAML (`3`, `true`, `[a, b]`, `{x: 1}`); a syntax error is bad input. */
function parseOverrideValue(key: string, text: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new UserError(`--set ${key}: cannot parse ${JSON.stringify(text)}: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
  }
}

/** One `where: key: message` line per problem of an issue (one per key an unknown-keys issue names). */
function describeIssue(raw: RawConfig, schema: z.ZodType, issue: z.core.$ZodIssue): string[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const allowed = objectKeysAt(schema, path);
    return issue.keys.map((unknown) => {
      const key = [...path, unknown];
      const suggestion = allowed && closestName(unknown, allowed);
      const expected = allowed ? ` (expected one of: ${allowed.join(', ')})` : '';
      return `${where(raw, key)}: ${key.join('.')}: unknown key${expected}${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
    });
  }
  const key = path.join('.') || '(root)';
  return [`${where(raw, blamedPath(raw, path, issueSiblings(issue)))}: ${key}: ${issue.message.replace(/^Invalid input: /, '')}`];
}

/**
 * The key to point at for an issue: its own, unless it compares keys (burnIn below steps) and
 * only a sibling was set by the user — a default cannot be blamed on a line.
 */
function blamedPath(raw: RawConfig, path: string[], siblings: string[]): string[] {
  const candidates = [path, ...siblings.map((s) => [...path.slice(0, -1), s])];
  return candidates.find((p) => wasSet(raw, p)) ?? path;
}

/** Whether the user set a key (or a parent of it) in the file or with `--set`. */
function wasSet(raw: RawConfig, path: string[]): boolean {
  return setOn(raw, path) !== undefined || Boolean(raw.doc && findKeyNode(raw.doc, path));
}

/** The keys an object schema accepts at `path`, looking through defaults, optionals and transforms (a pipe's input). */
function objectKeysAt(schema: z.ZodType, path: string[]): string[] | undefined {
  let node = schema as unknown as { _zod: { def: { innerType?: unknown; in?: unknown; shape?: Record<string, unknown> } } };
  const unwrap = () => {
    while (node._zod.def.innerType || node._zod.def.in) node = (node._zod.def.innerType ?? node._zod.def.in) as typeof node;
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
  const set = setOn(raw, path);
  if (set) return `--set ${set}`;
  const node = raw.doc && findKeyNode(raw.doc, path);
  if (node?.range && raw.lines) return `${raw.source}:${raw.lines.linePos(node.range[0]).line}`;
  const creator = setBelow(raw, path);
  if (creator) return `--set ${creator}`;
  if (!raw.doc || !raw.lines) return raw.source;
  for (let n = path.length - 1; n >= 0; n--) {
    const parent = findKeyNode(raw.doc, path.slice(0, n));
    if (parent?.range) return `${raw.source}:${raw.lines.linePos(parent.range[0]).line}`;
  }
  return `${raw.source}:1`;
}

/** The `--set` key that gave `path` its value: the key itself or a parent (`--set truth={…}`). */
function setOn(raw: RawConfig, path: string[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join('.');
    if (raw.overridden.has(key)) return key;
  }
  return undefined;
}

/**
 * A `--set` below a parent of `path` that the file does not have, so the assignment created it:
 * `--set truth.omgea=1` makes `truth` (and leaves `truth.omega` missing).
 */
function setBelow(raw: RawConfig, path: string[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = path.slice(0, n);
    if (raw.doc && findKeyNode(raw.doc, parent)) return undefined;
    const child = [...raw.overridden].find((key) => key.startsWith(`${parent.join('.')}.`));
    if (child) return child;
  }
  return undefined;
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
