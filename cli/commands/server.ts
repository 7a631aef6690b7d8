import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { UserError } from '../../lib/engine/errors.ts';
import { connectClient, resolveTarget } from '../../temporal/connection.ts';
import { describeAddress, devServerStatus, ensureDevServer, stopDevServer } from '../../temporal/dev-server.ts';
import { superviseEmbeddedServer } from '../session.ts';
import { temporalStatus } from '../../temporal/runs.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { globalOptions } from '../main.ts';
import { printJson } from '../output.ts';

const CLUSTER_SCRIPT = new URL('../../scripts/cluster.sh', import.meta.url).pathname;

export function registerServerCommands(program: Command): void {
  const server = program.command('server').description('the embedded Temporal dev server (used when TEMPORAL_ADDRESS is unset)');
  const refuseWhenClustered = () => {
    if (process.env.TEMPORAL_ADDRESS) throw new UserError(`TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS} is set: sciflow uses that cluster, not an embedded server`);
  };

  server.command('start').action(async (_f: unknown, cmd: Command) => {
    refuseWhenClustered();
    const start = await ensureDevServer();
    const { info, started } = start;
    if (globalOptions(cmd).json) printJson({ ...info, started, sameAddress: start.sameAddress });
    else process.stdout.write(`${started ? `started ${describeAddress(start)}` : `already running: ${info.address}`} (UI ${info.uiUrl}, database ${info.dbFile})\n`);
  });

  server.command('stop').action(async (_f: unknown, cmd: Command) => {
    refuseWhenClustered();
    const stopped = await stopDevServer();
    if (globalOptions(cmd).json) printJson({ stopped });
    else process.stdout.write(stopped ? 'stopped\n' : 'not running\n');
  });

  server.command('status').action(async (_f: unknown, cmd: Command) => {
    const info = process.env.TEMPORAL_ADDRESS ? undefined : await devServerStatus();
    const view = process.env.TEMPORAL_ADDRESS
      ? { mode: 'cluster', address: process.env.TEMPORAL_ADDRESS, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' }
      : { mode: 'embedded', running: Boolean(info), ...info };
    if (globalOptions(cmd).json) printJson(view);
    else process.stdout.write(Object.entries(view).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');
  });

  program
    .command('cluster <action> [service]')
    .description('a real Temporal cluster on this machine (scripts/cluster.sh): up | down | status | kill SERVICE | start SERVICE | restart-postgres')
    .action(async (action: string, service: string | undefined) => {
      const actions = ['up', 'down', 'status', 'kill', 'start', 'restart-postgres'];
      if (!actions.includes(action)) throw new UserError(`cluster ${action}: expected one of ${actions.join(', ')}`);
      const child = spawn('bash', [CLUSTER_SCRIPT, action, ...(service ? [service] : [])], { stdio: 'inherit' });
      process.exitCode = await new Promise<number>((done) => child.on('close', (code) => done(code ?? 1)));
    });

  program
    .command('worker')
    .description('run a worker: cpu queue = workflows + all activities; gpu queue = activities routed to accelerators')
    .option('--queue <name>', 'task queue: cpu or gpu', 'cpu')
    .option('--concurrency <n>', 'activities run at once', (v) => Number.parseInt(v, 10), 2)
    .option('--run <runId>', 'exit when this run has closed (used when `run` is detached)')
    .option('--only <tasks>', 'poll only workflows or only activities (default: both on the cpu queue)')
    .action(async (flags: { queue: string; concurrency: number; run?: string; only?: string }, cmd: Command) => {
      if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1) throw new UserError('--concurrency must be a positive integer');
      if (flags.only !== undefined && flags.only !== 'workflows' && flags.only !== 'activities') {
        throw new UserError(`--only ${flags.only}: expected workflows or activities`);
      }
      const target = await resolveTarget();
      const { createWorker } = await import('../../temporal/worker.ts');
      const worker = await createWorker(target, { queue: flags.queue, concurrency: flags.concurrency, only: flags.only });
      const tasks = flags.only ?? (flags.queue === 'cpu' ? 'workflows and activities' : 'activities');
      process.stderr.write(`worker on ${target.address} queue ${flags.queue}: ${tasks} (concurrency ${flags.concurrency})\n`);
      const stopSupervising = target.embedded ? superviseEmbeddedServer() : () => undefined;
      if (flags.run) {
        const client = await connectClient(target);
        const store = new RunStore(globalOptions(cmd).store);
        const workflowId = (await store.readManifest(flags.run))?.workflowId ?? flags.run;
        const timer = setInterval(async () => {
          const status = await temporalStatus(client, workflowId).catch(() => 'RUNNING');
          if (status !== 'RUNNING' && worker.getState() === 'RUNNING') worker.shutdown();
        }, 2000);
        await worker.run().finally(() => clearInterval(timer));
        await client.connection.close();
      } else {
        await worker.run();
      }
      stopSupervising();
    });
}
