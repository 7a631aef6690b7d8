import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureDevServer } from './dev-server.ts';

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
    const { info } = await ensureDevServer();
    return { address: info.address, namespace, embedded: true };
  }
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_API_KEY: apiKey } = process.env;
  let tls: TemporalTarget['tls'];
  if (cert || key || ca) {
    tls = {
      ...(ca && { serverRootCACertificate: readFileSync(ca) }),
      ...(cert && key && { clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } }),
    };
  } else if (apiKey) tls = true;
  return { address, namespace, embedded: false, ...(tls && { tls }), ...(apiKey && { apiKey }) };
}

export async function connectClient(target: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({
    address: target.address,
    ...(target.tls !== undefined && { tls: target.tls }),
    ...(target.apiKey && { apiKey: target.apiKey }),
  });
  return new Client({ connection, namespace: target.namespace });
}

export async function connectWorker(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect({
    address: target.address,
    ...(target.tls !== undefined && { tls: target.tls }),
    ...(target.apiKey && { apiKey: target.apiKey }),
  });
}
