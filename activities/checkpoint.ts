import { Context, CancelledFailure } from '@temporalio/activity';
import type { ArtifactRef, Json } from '../lib/engine/types.ts';
import { CHECKPOINT_ARTIFACT as CHECKPOINT, type RunStore } from '../lib/store/run-store.ts';
import type { Heartbeat } from './supervised.ts';

/** How long a computation runs between two heartbeat/checkpoint checks. */
const SLICE_MS = 500;

/** What every long activity reports; the CLI turns it into a progress bar. */
export interface Progress {
  /** 0…1 when known. */
  fraction?: number;
  message?: string;
  metrics?: { [key: string]: Json };
}

/** Heartbeat payload: the latest progress and the latest checkpoint, so a retry can resume. */
export interface HeartbeatDetails {
  stage?: string;
  branch?: number;
  progress: Progress;
  checkpoint?: ArtifactRef;
}

interface CheckpointTarget {
  stage: string;
  branch: number;
  store: RunStore;
  runId: string;
  artifactPath: string[];
  /** Stage cache key: a checkpoint is only reused by an attempt of exactly the same work. */
  cacheKey: string;
  /** The activity's heartbeat, which repeats the latest details between ticks. */
  heartbeat: Heartbeat;
}

/**
 * The one heartbeat + checkpoint + resume helper every long activity uses.
 *
 * `tick(progress, state)` heartbeats (Temporal throttles the RPCs) and, every `everyMs`, writes
 * `state()` as a checkpoint artifact and heartbeats its reference. `restore()` finds the newest
 * checkpoint of an earlier attempt: from the heartbeat details when Temporal retries the activity
 * (worker killed, heartbeat timeout), or from the run store's checkpoint pointer when a failed run is
 * resumed as a new workflow execution. A checkpoint whose hash does not verify is ignored.
 */
export class Checkpointer<State> {
  private lastSave = Date.now();
  private lastHeartbeat = 0;
  private latest?: ArtifactRef;
  private progress: Progress = {};
  saved = 0;
  resumed = false;

  constructor(
    private readonly target: CheckpointTarget,
    private readonly everyMs: number,
  ) {}

  async restore(): Promise<State | undefined> {
    const details = Context.current().info.heartbeatDetails as HeartbeatDetails | undefined;
    const pointer = await this.target.store.readIndex<ArtifactRef>('checkpoints', this.target.cacheKey);
    for (const ref of [details?.checkpoint, pointer]) {
      if (ref && (await this.target.store.verify(ref))) {
        this.latest = ref;
        this.resumed = true;
        return this.target.store.getJson<State>(ref);
      }
    }
    return undefined;
  }

  /** Report progress; save a checkpoint when one is due. Throws if the run was cancelled. */
  async tick(progress: Progress, state: () => State): Promise<void> {
    this.progress = progress;
    if (Date.now() - this.lastSave >= this.everyMs) await this.save(state());
    else await this.report(progress);
  }

  /**
   * Drive a pausable computation (a sampler whose `run` stops when `shouldStop()` says so) to the
   * end in half-second slices, ticking between slices. Returns when `runSlice` reports finished.
   */
  async runInSlices(runSlice: (shouldStop: () => boolean) => Promise<boolean>, progress: () => Progress, state: () => State): Promise<void> {
    for (;;) {
      const sliceEnd = Date.now() + SLICE_MS;
      if (await runSlice(() => Date.now() > sliceEnd)) return;
      await this.tick(progress(), state);
    }
  }

  /** Heartbeat progress (keeping the latest checkpoint reference) without saving state. */
  async report(progress: Progress): Promise<void> {
    this.progress = progress;
    if (Date.now() - this.lastHeartbeat >= 250) await this.heartbeat();
  }

  /**
   * Each checkpoint is a new file (`checkpoint-<hash>.parquet`): overwriting one in place would
   * leave the pointer naming a file whose hash no longer matches if the worker died between the
   * write and the pointer update, and the next attempt would start from scratch. Older versions
   * are deleted once the pointer and the heartbeat name the new one.
   */
  async save(state: State): Promise<void> {
    const { store, runId, artifactPath, cacheKey } = this.target;
    this.latest = await store.putJsonVersion(runId, [...artifactPath, CHECKPOINT], state);
    await store.writeIndex('checkpoints', cacheKey, this.latest);
    this.saved += 1;
    this.lastSave = Date.now();
    await this.heartbeat();
    await store.removeVersions(runId, artifactPath, `${CHECKPOINT}-`, this.latest.uri);
  }

  /** Remove every checkpoint version of the stage: it finished, its outputs supersede them. */
  async discard(): Promise<void> {
    await this.target.store.removeVersions(this.target.runId, this.target.artifactPath, `${CHECKPOINT}-`);
  }

  private async heartbeat(): Promise<void> {
    const ctx = Context.current();
    this.target.heartbeat.beat({ stage: this.target.stage, branch: this.target.branch, progress: this.progress, checkpoint: this.latest } satisfies HeartbeatDetails);
    this.lastHeartbeat = Date.now();
    // Yield to the event loop so cancellation requests delivered with heartbeat responses arrive.
    await new Promise((r) => setImmediate(r));
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure(String(ctx.cancellationSignal.reason ?? 'cancelled'));
  }
}
