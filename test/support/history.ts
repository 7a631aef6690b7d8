import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';

const { History, HistoryEvent } = proto.temporal.api.history.v1;

export interface WorkflowHistorySize {
  workflowId: string;
  events: number;
  bytes: number;
  /** The largest single event, payloads included (the SDK warns above 512 KB, Temporal refuses 2 MB). */
  largestEventBytes: number;
}

/** The history sizes of a run's workflow and of every child workflow it started (its fan-out batches). */
export async function runHistories(client: Client, workflowId: string): Promise<WorkflowHistorySize[]> {
  const sizes: WorkflowHistorySize[] = [];
  const pending = [workflowId];
  while (pending.length) {
    const id = pending.shift()!;
    const history = await client.workflow.getHandle(id).fetchHistory();
    const events = history.events ?? [];
    sizes.push({
      workflowId: id,
      events: events.length,
      bytes: History.encode(history).finish().length,
      largestEventBytes: Math.max(...events.map((e) => HistoryEvent.encode(e).finish().length)),
    });
    for (const e of events) {
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) pending.push(child);
    }
  }
  return sizes;
}
