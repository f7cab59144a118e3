import { MyContentError } from '@mycontent/core';

/**
 * Throws `INVALID_CONFIG` naming the option and its value unless `ok`: the one way every model
 * checks its options, when it is created.
 *
 * @example
 * ```ts
 * checkOption('als', Number.isInteger(factors) && factors >= 1, 'factors', factors, 'must be a positive integer');
 * ```
 */
export function checkOption(source: string, ok: boolean, field: string, value: unknown, why: string): void {
  if (!ok) throw new MyContentError('INVALID_CONFIG', `${field} ${why}, got ${JSON.stringify(value)}`, { source, field, value });
}
