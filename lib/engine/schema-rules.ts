import type { z } from 'zod';

/**
 * Report a rule between keys of one config object (`burnIn` below `steps`, say) from a zod
 * `superRefine`, so it fails when the config is loaded — with a file, line and key — instead of
 * after expensive stages. `key` is the key the message is about; `siblings` are the keys of the
 * same object it was compared with: `loadConfig` points at whichever of them the user set.
 */
export function crossFieldIssue(ctx: z.RefinementCtx, key: string, message: string, siblings: string[] = []): void {
  ctx.addIssue({ code: 'custom', path: [key], message, params: { siblings } });
}

/** The sibling keys a cross-field issue names (empty for every other issue). */
export function issueSiblings(issue: z.core.$ZodIssue): string[] {
  const siblings = issue.code === 'custom' ? (issue.params as { siblings?: unknown } | undefined)?.siblings : undefined;
  return Array.isArray(siblings) ? siblings.map(String) : [];
}
