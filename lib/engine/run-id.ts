/**
 * A run id is a folder name in the run store and the workflow id in Temporal. Scheduled runs get
 * workflow ids like `nightly-2026-11-26T03:00:00Z`; the store folder drops the characters a path
 * should not carry. Pure, so the workflow bundle can use it.
 */
export function runIdFromWorkflowId(workflowId: string): string {
  return workflowId.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 128);
}
