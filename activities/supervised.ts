import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { UserError } from '../lib/engine/errors.ts';

/**
 * Heartbeats for the whole life of an activity: `beat(details)` sends progress at once, and a
 * background beat repeats the latest details every second, so a quiet step (a summary, a
 * comparison, a manifest write) still tells Temporal its worker is alive, and a dead worker is
 * noticed within the activity's heartbeat timeout instead of its start-to-close limit. The
 * details start as the previous attempt's, so a checkpoint reference survives an attempt that
 * died before saving its own.
 */
export class Heartbeat {
  private details: unknown;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ctx = Context.current()) {
    this.details = ctx.info.heartbeatDetails;
    this.timer = setInterval(() => ctx.heartbeat(this.details), 1000);
    this.timer.unref();
  }

  beat(details: unknown): void {
    this.details = details;
    this.ctx.heartbeat(details);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Run an activity body under a Heartbeat and sort its failures:
 * - user errors (bad config or data, a degenerate problem) are non-retryable at once;
 * - an error thrown by the code is retried until this is attempt `codeAttempts`, then non-retryable;
 * - infrastructure failures (a killed worker, heartbeat or start-to-close timeouts) never reach
 *   this code: the retry policies leave their attempts unlimited, so no number of lost workers
 *   fails a run.
 */
export async function supervised<T>(codeAttempts: number, body: (heartbeat: Heartbeat) => Promise<T>): Promise<T> {
  const heartbeat = new Heartbeat();
  try {
    return await body(heartbeat);
  } catch (err) {
    throw classifyFailure(err, codeAttempts);
  } finally {
    heartbeat.stop();
  }
}

function classifyFailure(err: unknown, codeAttempts: number): unknown {
  if (err instanceof UserError) return ApplicationFailure.nonRetryable(err.message, 'UserError');
  if (err instanceof CancelledFailure || (err instanceof ApplicationFailure && err.nonRetryable)) return err;
  const attempt = Context.current().info.attempt;
  if (attempt < codeAttempts) return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({
    message: `${message} (failed ${attempt} of ${codeAttempts} attempts)`,
    type: 'RetriesExhausted',
    nonRetryable: true,
    ...(err instanceof Error && { cause: err }),
  });
}
