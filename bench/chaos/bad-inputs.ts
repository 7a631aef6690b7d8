/**
 * Bad input the chaos benchmark throws at the CLI. "Refused cleanly" means what the README
 * promises a user: exit code 2, exactly one line on stderr, no stack trace, and nothing submitted
 * or written — no new run folder and not one byte of an existing run changed (the store, a second
 * store holding a damaged run, and the working folder are hashed before and after each case).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { changedPaths, fingerprint, type CliResult, type Sandbox } from './sandbox.ts';

export interface BadInputCase {
  category: string;
  args: string[];
  /** Variables set (or, when undefined, removed) on top of the sandbox's environment. */
  env?: Record<string, string | undefined>;
}

export interface BadInputOutcome {
  category: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Exit code; null when the command did not finish within the time limit. */
  code: number | null;
  first_line: string;
  stderr_lines: number;
  stack_trace: boolean;
  /** Files the command created, changed or removed (it must leave all of them alone). */
  changed: string[];
  clean: boolean;
  seconds: number;
}

/** A config small enough that a case which is wrongly accepted still ends soon. */
const TINY_CONFIG: Record<string, string> = { seed: '7', observations: '20', chains: '2', steps: '200', burnIn: '50', substeps: '200', nlive: '20' };
const TINY_SETS = Object.entries(TINY_CONFIG).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

/** YAML text of the tiny config with some keys replaced or added (values are raw YAML). */
const yamlWith = (changes: Record<string, string>) =>
  Object.entries({ ...TINY_CONFIG, ...changes })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n') + '\n';

/** Nine levels of nine-fold aliases: 9⁹ strings if a parser expanded them. */
const ALIAS_BOMB = [
  'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`),
  'seed: *a8',
].join('\n');

const CONFIG_FILES: Record<string, { category: string; text: string }> = {
  'unknown-key': { category: 'config: unknown key', text: yamlWith({ chians: '4' }) },
  'unknown-nested-key': { category: 'config: unknown key', text: yamlWith({ truth: '{ omega: 1.7, gamma: 0.15, amplitude: 1.2, phase: 0 }' }) },
  // Written out: `__proto__` in an object literal would set the prototype, not add a key.
  'proto-key': { category: 'config: unknown key', text: `${yamlWith({})}__proto__: { polluted: 1 }\n` },
  'steps-string': { category: 'config: wrong type', text: yamlWith({ steps: 'many' }) },
  'chains-fraction': { category: 'config: wrong type', text: yamlWith({ chains: '2.5' }) },
  'bool-string': { category: 'config: wrong type', text: yamlWith({ learnedLikelihood: '"yes"' }) },
  'truth-number': { category: 'config: wrong type', text: yamlWith({ truth: '5' }) },
  'steps-null': { category: 'config: wrong type', text: yamlWith({ steps: '~' }) },
  'chains-one': { category: 'config: out of range', text: yamlWith({ chains: '1' }) },
  'noise-negative': { category: 'config: out of range', text: yamlWith({ noise: '-0.1' }) },
  'walkers-odd': { category: 'config: out of range', text: yamlWith({ walkers: '7' }) },
  'observations-two': { category: 'config: out of range', text: yamlWith({ observations: '2' }) },
  'seed-negative': { category: 'config: out of range', text: yamlWith({ seed: '-1' }) },
  'heartbeat-zero': { category: 'config: out of range', text: yamlWith({ heartbeatSeconds: '0' }) },
  'substeps-infinite': { category: 'config: out of range', text: yamlWith({ substeps: '.inf' }) },
  'maxrhat-nan': { category: 'config: out of range', text: yamlWith({ maxRhat: '.nan' }) },
  'initdraws-1e12': { category: 'config: upper bound', text: yamlWith({ initDraws: '1e12' }) },
  'duration-1e300': { category: 'config: upper bound', text: yamlWith({ duration: '1e300' }) },
  'steps-1e9': { category: 'config: upper bound', text: yamlWith({ steps: '1e9' }) },
  'nlive-1e12': { category: 'config: upper bound', text: yamlWith({ nlive: '1e12' }) },
  'checkpoint-1e9': { category: 'config: upper bound', text: yamlWith({ checkpointSeconds: '1e9' }) },
  'burnin-equals-steps': { category: 'config: burnIn ≥ steps', text: yamlWith({ steps: '300', burnIn: '300' }) },
  'burnin-above-steps': { category: 'config: burnIn ≥ steps', text: yamlWith({ steps: '300', burnIn: '5000' }) },
  'yaml-unclosed': { category: 'config: YAML syntax', text: 'seed: 7\nsteps: [200, 300\n' },
  'yaml-duplicate-key': { category: 'config: YAML syntax', text: 'seed: 7\nseed: 8\n' },
  'yaml-bad-indent': { category: 'config: YAML syntax', text: 'truth:\n  omega: 1.7\n gamma: 0.1\n' },
  'yaml-two-documents': { category: 'config: YAML syntax', text: 'seed: 7\n---\nseed: 8\n' },
  'json-missing-comma': { category: 'config: JSON syntax', text: '{"seed": 7 "steps": 3000}\n' },
  'alias-bomb': { category: 'config: alias bomb', text: ALIAS_BOMB },
  'list-document': { category: 'config: not a mapping', text: '- 1\n- 2\n' },
  'scalar-document': { category: 'config: not a mapping', text: 'just a sentence\n' },
  'binary-file': { category: 'config: not a mapping', text: '\u0000\u0001\u0002\u00ff\u00fe garbage \u0000' },
  'glob-no-match': { category: 'config: data file', text: yamlWith({ dataGlob: 'no-such-folder/run-*.csv' }) },
};

/** 20 good rows of a demo observations file (t,y). */
const goodRows = Array.from({ length: 20 }, (_, i) => `${((i + 1) * 0.5).toFixed(1)},${Math.cos(i / 3).toFixed(4)}`);
const withRow = (i: number, row: string) => goodRows.map((r, j) => (j === i ? row : r));

const CSV_FILES: Record<string, { text: string; submitToo: boolean }> = {
  'header-only': { text: 't,y\n', submitToo: true },
  'text-in-number': { text: ['t,y', ...withRow(5, '3.0,abc')].join('\n'), submitToo: true },
  nan: { text: ['t,y', ...withRow(5, '3.0,NaN')].join('\n'), submitToo: true },
  'missing-column': { text: ['t', ...goodRows.map((r) => r.split(',')[0])].join('\n'), submitToo: true },
  'short-row': { text: ['t,y', ...withRow(5, '3.0')].join('\n'), submitToo: true },
  'times-decrease': { text: ['t,y', ...withRow(5, '0.1,1.0')].join('\n'), submitToo: false },
  'negative-time': { text: ['t,y', ...withRow(0, '-1,1.0')].join('\n'), submitToo: false },
  'too-few-rows': { text: ['t,y', ...goodRows.slice(0, 4)].join('\n'), submitToo: false },
  empty: { text: '', submitToo: false },
};

const BAD_SETS: [string, string][] = [
  ['seed=[1', 'run'],
  ['truth..omega=1', 'submit'],
  ['__proto__.polluted=1', 'run'],
  ['constructor.prototype.polluted=1', 'submit'],
  ['steps=many', 'run'],
  ['noequals', 'submit'],
  ['=5', 'run'],
  ['chians=4', 'submit'],
  ['truth.omega=-1', 'run'],
  ['steps=1e400', 'submit'],
  ['steps=', 'run'],
  ['truth.omega.x=1', 'submit'],
];

/**
 * Write the files the cases need (configs, CSVs, a file where a store should be, a second store
 * holding a copy of `finishedRun` with a truncated manifest) and return the cases and the folders
 * whose bytes must not change.
 */
export function prepareBadInputs(sandbox: Sandbox, finishedRun: string): { cases: BadInputCase[]; controls: string[][]; watched: string[] } {
  const bad = path.join(sandbox.dir, 'bad');
  mkdirSync(path.join(bad, 'configs'), { recursive: true });
  const configCases = Object.entries(CONFIG_FILES).map(([name, { category, text }], i): BadInputCase => {
    const file = path.join(bad, 'configs', `${name}.${name.startsWith('json') ? 'json' : 'yaml'}`);
    writeFileSync(file, text);
    // Spread over the three commands that read a config file.
    const args = [['run', 'demo', '-c', file], ['submit', 'demo', '-c', file], ['validate', file, '-p', 'demo']][i % 3]!;
    return { category, args };
  });

  const csvCases = Object.entries(CSV_FILES).flatMap(([name, { text, submitToo }]): BadInputCase[] => {
    const file = path.join(bad, 'csv', name, 'observations.csv');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    const sets = [...TINY_SETS, '--set', `dataGlob=${file}`];
    return (submitToo ? ['run', 'submit'] : ['run']).map((command) => ({ category: 'CSV via dataGlob', args: [command, 'demo', ...sets] }));
  });

  // Controls: the tiny config and a good CSV are accepted, so each refusal is the bad input's own.
  const goodCsv = path.join(bad, 'csv', 'good', 'observations.csv');
  mkdirSync(path.dirname(goodCsv), { recursive: true });
  writeFileSync(goodCsv, ['t,y', ...goodRows].join('\n'));
  const goodConfig = path.join(bad, 'configs', 'good.yaml');
  writeFileSync(goodConfig, yamlWith({ dataGlob: goodCsv }));
  // (the --set cases use the same values as this file)
  const controls = [['validate', goodConfig, '-p', 'demo']];

  const notADirectory = path.join(bad, 'not-a-directory.txt');
  writeFileSync(notADirectory, 'a file, not a run store\n');

  // A second store: a copy of a finished run whose manifest lost its second half (a full disk, say).
  const damagedStore = path.join(sandbox.dir, 'damaged-store');
  const damaged = path.join(damagedStore, finishedRun);
  cpSync(path.join(sandbox.store, finishedRun), damaged, { recursive: true });
  const manifest = readFileSync(path.join(damaged, 'manifest.json'));
  writeFileSync(path.join(damaged, 'manifest.json'), manifest.subarray(0, manifest.length >> 1));

  const unreachable = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const cases: BadInputCase[] = [
    ...configCases,
    { category: 'config: unknown key', args: ['run', 'demo', '-c', path.join(bad, 'configs', 'unknown-key.yaml'), '--set', 'steps=300'] },
    ...BAD_SETS.map(([set, command]) => ({ category: '--set syntax', args: [command, 'demo', ...TINY_SETS, '--set', set] })),
    ...csvCases,
    ...['run', 'submit'].map((command) => ({ category: 'run id', args: [command, 'demo', ...TINY_SETS, '--run-id', '../../etc'] })),
    { category: 'run id', args: ['submit', 'demo', ...TINY_SETS, '--run-id', 'two words'] },
    { category: 'run id', args: ['submit', 'demo', ...TINY_SETS, '--run-id', '.hidden'] },
    { category: 'run id', args: ['run', 'demo', ...TINY_SETS, '--run-id', '/etc/passwd'] },
    { category: 'run id', args: ['submit', 'demo', ...TINY_SETS, '--run-id', 'x'.repeat(200)] },
    ...['status', 'results', 'report', 'export', 'cancel', 'resume'].map((command) => ({ category: 'run id', args: [command, '../../etc'] })),
    { category: 'finished run id reused', args: ['run', 'demo', ...TINY_SETS, '--run-id', finishedRun] },
    { category: 'finished run id reused', args: ['submit', 'demo', ...TINY_SETS, '--run-id', finishedRun] },
    { category: 'finished run id reused', args: ['resume', finishedRun] },
    ...[['run', 'demo', ...TINY_SETS], ['submit', 'demo', ...TINY_SETS], ['list'], ['status', finishedRun], ['query', 'select 1']].map((args) => ({
      category: '--store is a file',
      args: ['--store', notADirectory, ...args],
    })),
    { category: '--store is a file', args: ['submit', 'demo', ...TINY_SETS], env: { SCIFLOW_STORE: notADirectory } },
    { category: '--store is a file', args: ['--store', path.join(notADirectory, 'runs'), 'submit', 'demo', ...TINY_SETS] },
    { category: 'unknown pipeline', args: ['run', 'no-such-pipeline'] },
    { category: 'unknown pipeline', args: ['submit', 'no-such-pipeline'] },
    { category: 'unknown pipeline', args: ['validate', path.join(bad, 'configs', 'unknown-key.yaml'), '-p', 'no-such-pipeline'] },
    { category: 'missing config file', args: ['run', 'demo', '-c', path.join(bad, 'missing.yaml')] },
    { category: 'missing config file', args: ['submit', 'demo', '-c', path.join(bad, 'missing.yaml')] },
    { category: 'missing config file', args: ['validate', path.join(bad, 'missing.yaml'), '-p', 'demo'] },
    { category: 'missing config file', args: ['run', 'demo', '-c', bad] },
    ...['status', 'results', 'report', 'export', 'resume'].map((command) => ({ category: 'truncated manifest', args: ['--store', damagedStore, command, finishedRun] })),
    { category: 'unreachable server', args: ['submit', 'demo', ...TINY_SETS], env: unreachable },
    { category: 'unreachable server', args: ['run', 'demo', ...TINY_SETS], env: unreachable },
    { category: 'unreachable server', args: ['cancel', finishedRun], env: unreachable },
    { category: 'unreachable server', args: ['resume', finishedRun], env: unreachable },
    { category: 'unreachable server', args: ['worker'], env: unreachable },
    { category: 'bad --format', args: ['export', finishedRun, '--format', 'xml'] },
    { category: 'bad --format', args: ['export', finishedRun, '--format', 'PARQUET '] },
    { category: 'bad --concurrency', args: ['worker', '--concurrency', '0'] },
    { category: 'bad --concurrency', args: ['worker', '--concurrency', 'many'] },
    { category: 'bad --rerun', args: ['run', 'demo', ...TINY_SETS, '--rerun', 'no-such-stage'] },
    { category: 'bad SQL', args: ['query', 'selec count(*) from runs'] },
    { category: 'bad SQL', args: ['query', 'select * from no_such_table'] },
    { category: 'bad SQL', args: ['query', 'select no_such_column from runs'] },
  ];
  return { cases, controls, watched: [sandbox.store, damagedStore, sandbox.work] };
}

/** Run each case alone (so a change in the watched folders is its own) and judge it. */
export async function runBadInputs(sandbox: Sandbox, cases: BadInputCase[], watched: string[], onCase: (o: BadInputOutcome) => void): Promise<BadInputOutcome[]> {
  const outcomes: BadInputOutcome[] = [];
  for (const c of cases) {
    const before = fingerprint(watched);
    const env = { ...sandbox.env, ...c.env };
    for (const [k, v] of Object.entries(c.env ?? {})) if (v === undefined) delete env[k];
    const result = await sandbox.cli(c.args, { env, timeoutMs: 90_000 });
    const outcome = judge(c, result, changedPaths(before, fingerprint(watched)));
    outcomes.push(outcome);
    onCase(outcome);
  }
  return outcomes;
}

function judge(c: BadInputCase, result: CliResult, changed: string[]): BadInputOutcome {
  const text = result.stderr.trimEnd();
  const lines = text === '' ? [] : text.split('\n');
  const stackTrace = /\n\s+at /.test(result.stderr);
  return {
    category: c.category,
    args: c.args,
    ...(c.env && { env: c.env }),
    code: result.code,
    first_line: lines[0] ?? '',
    stderr_lines: lines.length,
    stack_trace: stackTrace,
    changed,
    clean: result.code === 2 && lines.length === 1 && !stackTrace && changed.length === 0,
    seconds: result.seconds,
  };
}
