/**
 * A sciflow worker process that also knows the fan-out probe pipeline (test/support/fan-out-probe.ts):
 * `node --import tsx test/support/probe-worker.ts [concurrency]`, pointed at a server as `sciflow
 * worker` is (TEMPORAL_ADDRESS or the embedded dev server of SCIFLOW_HOME).
 */
import './fan-out-probe.ts';
import { resolveTarget } from '../../temporal/connection.ts';
import { createWorker } from '../../temporal/worker.ts';

const worker = await createWorker(await resolveTarget(), { concurrency: Number(process.argv[2] ?? 64) });
process.on('SIGTERM', () => worker.shutdown());
console.log('probe worker polling');
await worker.run();
