import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { UserError } from '../lib/engine/errors.ts';
import { describeAddress, ensureDevServer } from './dev-server.ts';

/** Where and how to reach Temporal: a configured cluster, or the embedded dev server. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
  embedded: boolean;
}

/**
 * TEMPORAL_ADDRESS set: that cluster (TEMPORAL_NAMESPACE; mTLS via TEMPORAL_TLS_CERT/KEY/CA;
 * TEMPORAL_API_KEY, which implies TLS). Unset: the embedded dev server, started if needed.
 */
export async function resolveTarget(): Promise<TemporalTarget> {
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const start = await ensureDevServer();
    // Say so when a server that ran before comes back (its runs and workers continue with it).
    if (start.started && (start.sameAddress || start.movedBecause)) process.stderr.write(`sciflow: started the embedded Temporal server again ${describeAddress(start)}\n`);
    return { address: start.info.address, namespace, embedded: true };
  }
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_API_KEY: apiKey } = process.env;
  let tls: TemporalTarget['tls'];
  if (cert || key || ca) {
    tls = {
      ...(ca && { serverRootCACertificate: readTlsFile('TEMPORAL_TLS_CA', ca) }),
      ...(cert && key && { clientCertPair: { crt: readTlsFile('TEMPORAL_TLS_CERT', cert), key: readTlsFile('TEMPORAL_TLS_KEY', key) } }),
    };
  } else if (apiKey) tls = true;
  return { address, namespace, embedded: false, ...(tls && { tls }), ...(apiKey && { apiKey }) };
}

function readTlsFile(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UserError(`${variable} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await reach(target, () =>
    Connection.connect({
      address: target.address,
      ...(target.tls !== undefined && { tls: target.tls }),
      ...(target.apiKey && { apiKey: target.apiKey }),
    }),
  );
  return new Client({ connection, namespace: target.namespace });
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  // The worker package (native core) loads only where a worker runs, not for every CLI command.
  const { NativeConnection } = await import('@temporalio/worker');
  return reach(target, () =>
    NativeConnection.connect({
      address: target.address,
      ...(target.tls !== undefined && { tls: target.tls }),
      ...(target.apiKey && { apiKey: target.apiKey }),
    }),
  );
}

/** A server that cannot be reached is the user's to fix (address, TLS, network): one line, no gRPC stack. */
async function reach<T>(target: TemporalTarget, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new UserError(`cannot reach Temporal at ${target.address}: ${(err as Error).message.split('\n')[0]}`);
  }
}
