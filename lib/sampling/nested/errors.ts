import { UserError } from '../../engine/errors.ts';

/**
 * The problem gives nested sampling nothing to do: a likelihood that is constant, zero everywhere,
 * or has a contour no proposal can beat. Retrying cannot help, so it is a user error (the data or
 * the model must change), reported in one line and never retried.
 */
export class DegenerateLikelihoodError extends UserError {
  override name = 'DegenerateLikelihoodError';
}
