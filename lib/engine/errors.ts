/**
 * An error the user can fix (bad config, missing file, bad argument). The CLI prints its one-line
 * message without a stack and exits 2; activities turn it into a non-retryable failure.
 */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode = 2;
  /** Every problem found, one line each (a config with several bad keys): `sciflow validate` lists them all. */
  readonly problems: string[];

  constructor(problems: string | [string, ...string[]]) {
    const list: string[] = typeof problems === 'string' ? [problems] : problems;
    // The message stays one line: the first problem, and how many more there are.
    super(list.length > 1 ? `${list[0]} (and ${list.length - 1} more problem${list.length > 2 ? 's' : ''})` : list[0]);
    this.problems = list;
  }
}
