/**
 * An error the user can fix (bad config, missing file, bad argument). The CLI prints its one-line
 * message without a stack and exits 2; activities turn it into a non-retryable failure.
 */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode = 2;
}
