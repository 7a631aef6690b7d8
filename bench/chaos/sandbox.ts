/**
 * The throw-away installation the chaos benchmark torments: its own SCIFLOW_HOME (embedded dev
 * server), run store and working folder, and every process started in it — CLI calls and workers,
 * each in its own process group so one SIGKILL takes everything it started — tracked so that
 * `close()` leaves nothing behind, also after a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../lib/store/hash.ts';
import { alive, portOpen } from '../../temporal/dev-server.ts';

export { alive, portOpen };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'sciflow.js');

export interface CliResult {
  args: string[];
  /** Exit code; null when the command ran past its time limit and was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** What `sciflow server start` writes to $SCIFLOW_HOME/server.json (the fields the bench reads). */
export interface ServerInfo {
  pid: number;
  address: string;
  stoppedAt?: string;
}

export interface Worker {
  pid: number;
  log: string;
  startedAt: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Sandbox {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'sciflow-chaos-'));
  readonly home = path.join(this.dir, 'state');
  readonly store = path.join(this.dir, 'runs');
  /** The working folder of every CLI call (`export` writes here by default). */
  readonly work = path.join(this.dir, 'work');
  readonly logs = path.join(this.dir, 'logs');
  readonly env: NodeJS.ProcessEnv;
  /** Process-group leaders still to be killed on close. */
  private readonly groups = new Set<number>();
  /** Every dev-server pid seen in server.json: a server restarted by a worker is not our child. */
  private readonly serverPids = new Set<number>();
  private workerCount = 0;

  constructor() {
    for (const d of [this.home, this.store, this.work, this.logs]) mkdirSync(d, { recursive: true });
    this.env = { ...process.env, SCIFLOW_HOME: this.home, SCIFLOW_STORE: this.store };
    delete this.env.TEMPORAL_ADDRESS; // the embedded dev server, never a cluster the caller configured
  }

  /** Run `sciflow …` as a user would, in its own process group; killed after `timeoutMs`. */
  cli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: this.work, env: options.env ?? this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      this.groups.add(child.pid!);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child.pid!);
      }, options.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        // Whatever it left running in its group (a worker it hosted) goes with it.
        killGroup(child.pid!);
        this.groups.delete(child.pid!);
        resolve({ args, code: timedOut ? null : code, stdout, stderr, seconds: (performance.now() - started) / 1000 });
      });
    });
  }

  /** A `sciflow worker` in its own process group, its output in logs/worker-N.log. */
  startWorker(): Worker {
    const log = path.join(this.logs, `worker-${++this.workerCount}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(process.execPath, [BIN, 'worker'], { cwd: this.work, env: this.env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    this.groups.add(child.pid!);
    return { pid: child.pid!, log, startedAt: Date.now() };
  }

  /** SIGKILL a worker's whole process group and wait until its leader is gone. */
  async killWorker(worker: Worker): Promise<void> {
    killGroup(worker.pid);
    this.groups.delete(worker.pid);
    for (let i = 0; i < 100 && alive(worker.pid); i++) await sleep(50);
  }

  /** The worker has connected and is polling (it prints `worker on <address>` once it is). */
  async waitForWorkerReady(worker: Worker, timeoutMs = 120_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (readText(worker.log).includes('worker on ')) return true;
      if (!alive(worker.pid)) return false;
      await sleep(200);
    }
    return false;
  }

  /** How many times workers have printed that they restarted a dead embedded server. */
  serverRestartsReportedByWorkers(): number {
    const message = 'the embedded Temporal server had died; restarted it on its previous address';
    return readdirSync(this.logs).reduce((n, f) => n + readText(path.join(this.logs, f)).split(message).length - 1, 0);
  }

  serverInfo(): ServerInfo | undefined {
    try {
      const info = JSON.parse(readFileSync(path.join(this.home, 'server.json'), 'utf8')) as ServerInfo;
      this.serverPids.add(info.pid);
      return info;
    } catch {
      return undefined;
    }
  }

  /** Kill every process this sandbox started, stop its dev server, and (unless kept) delete it. */
  async close(keep: boolean): Promise<void> {
    for (const pid of this.groups) killGroup(pid);
    this.groups.clear();
    this.serverInfo();
    await this.cli(['server', 'stop'], { timeoutMs: 30_000 }).catch(() => undefined);
    this.killServers();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort on SIGINT/SIGTERM: synchronous kills only. */
  killEverythingNow(): void {
    for (const pid of this.groups) killGroup(pid);
    this.serverInfo();
    this.killServers();
  }

  /**
   * SIGKILL every dev server of this sandbox: those seen in server.json, and any whose command
   * line names our state folder — a server a worker launched but had not yet recorded when it was
   * killed would otherwise outlive the benchmark.
   */
  private killServers(): void {
    const launchedHere = existsSync('/proc')
      ? readdirSync('/proc')
          .filter((entry) => /^\d+$/.test(entry) && readText(`/proc/${entry}/cmdline`).includes(`${this.home}/temporal.db`))
          .map(Number)
      : [];
    for (const pid of new Set([...this.serverPids, ...launchedHere])) {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** sha256 of every file under the given folders, by path: what "nothing changed" is checked against. */
export function fingerprint(roots: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else out.set(file, sha256(readFileSync(file)));
    }
  };
  for (const root of roots) if (existsSync(root)) walk(root);
  return out;
}

/** Paths added, removed or changed between two fingerprints. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed = [...after].filter(([file, hash]) => before.get(file) !== hash).map(([file]) => file);
  return [...changed, ...[...before.keys()].filter((file) => !after.has(file))];
}
