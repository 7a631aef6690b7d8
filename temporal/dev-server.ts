import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from './binary.ts';

/** The embedded Temporal dev server sciflow starts when TEMPORAL_ADDRESS is unset. */
export interface DevServerInfo {
  pid: number;
  address: string;
  uiUrl: string;
  dbFile: string;
  startedAt: string;
  /** frontend, UI, HTTP and metrics ports: a restarted server takes the same ones, so workers reconnect. */
  ports: number[];
  /** Set by `sciflow server stop`: a stopped server is not restarted by a worker's supervision. */
  stoppedAt?: string;
}

/** Folder for the dev server's database, log and pid file: $SCIFLOW_HOME or ./.sciflow. */
export function stateDir(): string {
  return resolve(process.env.SCIFLOW_HOME ?? '.sciflow');
}

const infoFile = () => join(stateDir(), 'server.json');

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections at host:port. */
export function portOpen(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((done) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}

/** The port accepts connections and the default namespace answers: ready for clients and workers. */
async function serving(address: string): Promise<boolean> {
  if (!(await portOpen(address))) return false;
  try {
    const connection = await Connection.connect({ address, connectTimeout: '5s' });
    try {
      await connection.workflowService.describeNamespace({ namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Bind `port` on loopback (0: any free port) and release it; the port, or undefined if it is taken. */
function bindable(port: number): Promise<number | undefined> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => done(bound));
    });
  });
}

async function freePorts(): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < 4) {
    const port = await bindable(0);
    if (port && !ports.includes(port)) ports.push(port);
  }
  return ports;
}

function readInfo(): DevServerInfo | undefined {
  try {
    return JSON.parse(readFileSync(infoFile(), 'utf8')) as DevServerInfo;
  } catch {
    return undefined;
  }
}

function writeInfo(info: DevServerInfo): void {
  const tmp = `${infoFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2));
  renameSync(tmp, infoFile());
}

/** The running embedded server, if its process is alive and its port answers. */
export async function devServerStatus(): Promise<DevServerInfo | undefined> {
  const info = readInfo();
  if (info && !info.stoppedAt && alive(info.pid) && (await portOpen(info.address))) return info;
  return undefined;
}

export interface DevServerStart {
  info: DevServerInfo;
  started: boolean;
  /** The server was started again on the address it had before (workers of that server reconnect). */
  sameAddress: boolean;
  /** Why an earlier address could not be reused (its ports were taken), if so. */
  movedBecause?: string;
}

/**
 * Start `temporal server start-dev` detached, with its SQLite database under the state folder so
 * runs survive a server restart; reuse a running one. A server that ran here before comes back on
 * the same ports — workers keep retrying the address they know, so they simply reconnect — unless
 * another process took them. One process starts it at a time (a lock file in the state folder).
 */
export async function ensureDevServer(): Promise<DevServerStart> {
  const running = await devServerStatus();
  if (running) return { info: running, started: false, sameAddress: true };
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  return withStartLock(dir, async () => {
    const raced = await devServerStatus();
    if (raced) return { info: raced, started: false, sameAddress: true };
    const cli = findTemporalCli();
    const previous = readInfo();
    if (previous?.ports?.length === 4) {
      const taken = [];
      for (const port of previous.ports) if ((await bindable(port)) === undefined) taken.push(port);
      if (taken.length === 0) {
        const info = await launch(cli, dir, previous.ports);
        writeInfo(info);
        return { info, started: true, sameAddress: true };
      }
      const start = await launchOnFreePorts(cli, dir);
      return { ...start, movedBecause: `port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} of ${previous.address} are taken by another process` };
    }
    return launchOnFreePorts(cli, dir);
  });
}

async function launchOnFreePorts(cli: string, dir: string): Promise<DevServerStart> {
  // A free port can be taken by another process between our probe and the server's bind; the
  // server then exits at once. Try again with new ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const info = await launch(cli, dir, await freePorts());
      writeInfo(info);
      return { info, started: true, sameAddress: false };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Run `fn` holding the state folder's start lock (a file created atomically, holding our pid). */
async function withStartLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'server.lock');
  const mine = `${lock}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    for (;;) {
      try {
        linkSync(mine, lock); // atomic, and the lock appears with its holder's pid already in it
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number(readFileSync(lock, 'utf8'));
        if (!alive(holder)) rmSync(lock, { force: true });
        else await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

async function launch(cli: string, dir: string, ports: number[]): Promise<DevServerInfo> {
  const [port, uiPort, httpPort, metricsPort] = ports as [number, number, number, number];
  const dbFile = join(dir, 'temporal.db');
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(
    cli,
    [
      'server', 'start-dev', '--db-filename', dbFile, '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort),
      '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'warn',
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  const info: DevServerInfo = {
    pid: child.pid!,
    address: `127.0.0.1:${port}`,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    dbFile,
    startedAt: new Date().toISOString(),
    ports,
  };
  const deadline = Date.now() + 90_000;
  while (!(await serving(info.address))) {
    if (!alive(info.pid) || Date.now() > deadline) {
      if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
      throw new Error(`the Temporal dev server did not start; see ${join(dir, 'server.log')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return info;
}

/**
 * Stop the embedded server cleanly (SIGTERM, then SIGKILL after 15 s). Its address is kept, so the
 * next start takes the same ports, and it is marked stopped, so no worker restarts it meanwhile.
 */
export async function stopDevServer(): Promise<boolean> {
  const info = readInfo();
  if (!info || info.stoppedAt) return false;
  writeInfo({ ...info, stoppedAt: new Date().toISOString() });
  if (!alive(info.pid)) return false;
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
  return true;
}

/**
 * Keep the embedded server up while a worker depends on it: every `everyMs`, a server that died
 * (killed, crashed — not stopped with `sciflow server stop`) is started again on its ports and
 * `onRestart` is told. Returns a stop function.
 */
export function superviseDevServer(onRestart: (start: DevServerStart) => void, everyMs = 2000): () => void {
  let busy = false;
  const timer = setInterval(async () => {
    const info = readInfo();
    if (busy || !info || info.stoppedAt || alive(info.pid)) return;
    busy = true;
    try {
      const start = await ensureDevServer();
      if (start.started) onRestart(start);
    } catch {
      // Tried again on the next tick.
    } finally {
      busy = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Where a (re)started embedded server now listens, for the line the commands print. */
export function describeAddress(start: DevServerStart): string {
  if (start.movedBecause) return `on a NEW address ${start.info.address} (${start.movedBecause}); restart workers that used the old one`;
  return `${start.sameAddress ? 'on its previous address' : 'at'} ${start.info.address}`;
}
