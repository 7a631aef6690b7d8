import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
}

/** Folder for the dev server's database, log and pid file: $SCIFLOW_HOME or ./.sciflow. */
export function stateDir(): string {
  return resolve(process.env.SCIFLOW_HOME ?? '.sciflow');
}

const infoFile = () => join(stateDir(), 'server.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(address: string): Promise<boolean> {
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

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** The running embedded server, if its process is alive and its port answers. */
export async function devServerStatus(): Promise<DevServerInfo | undefined> {
  let info: DevServerInfo;
  try {
    info = JSON.parse(readFileSync(infoFile(), 'utf8')) as DevServerInfo;
  } catch {
    return undefined;
  }
  if (alive(info.pid) && (await portOpen(info.address))) return info;
  return undefined;
}

/**
 * Start `temporal server start-dev` detached, with its SQLite database under the state folder so
 * runs survive a server restart, on free local ports; reuse a running one.
 */
export async function ensureDevServer(): Promise<{ info: DevServerInfo; started: boolean }> {
  const running = await devServerStatus();
  if (running) return { info: running, started: false };
  const cli = findTemporalCli();
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  // A free port can be taken by another process between our probe and the server's bind; the
  // server then exits at once. Try again with new ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const info = await launch(cli, dir);
      writeFileSync(infoFile(), JSON.stringify(info, null, 2));
      return { info, started: true };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function launch(cli: string, dir: string): Promise<DevServerInfo> {
  const [port, uiPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
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

/** Stop the embedded server cleanly (SIGTERM, then SIGKILL after 15 s). */
export async function stopDevServer(): Promise<boolean> {
  const info = await devServerStatus();
  rmSync(infoFile(), { force: true });
  if (!info) return false;
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
  return true;
}
