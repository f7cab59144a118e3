import type { z } from 'zod';
import { MyContentError, describeValue, type ValidationIssue } from '../errors/error';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current == null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function toIssues(error: z.ZodError, input: unknown, index?: number): ValidationIssue[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return index === undefined
      ? { field, value, message: issue.message }
      : { index, field, value, message: issue.message };
  });
}

function summarize(what: string, issues: ValidationIssue[]): string {
  const first = issues[0]!;
  const where = first.index === undefined ? '' : `record ${first.index}: `;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return `invalid ${what}: ${where}${first.field} = ${describeValue(first.value)}: ${first.message}${more}`;
}

/**
 * Validates one value with a zod schema and returns the parsed output, or throws a
 * {@link MyContentError} with code `INVALID_INPUT` naming the field and the value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, source = 'validation'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = toIssues(result.error, input);
  throw new MyContentError('INVALID_INPUT', summarize(what, issues), { source, issues, cause: result.error });
}

/**
 * Validates a batch. The batch is rejected whole when any record is invalid: the error lists
 * every invalid record with its index (`issues[].index`), and nothing is written.
 */
export function parseBatch<S extends z.ZodType>(schema: S, input: unknown, what: string, source = 'validation'): z.output<S>[] {
  if (!Array.isArray(input)) {
    throw new MyContentError('INVALID_INPUT', `invalid ${what} batch: expected an array, got ${describeValue(input)}`, {
      source,
      field: '(root)',
      value: input,
    });
  }
  const out: z.output<S>[] = new Array(input.length);
  let issues: ValidationIssue[] | undefined;
  for (let i = 0; i < input.length; i++) {
    const result = schema.safeParse(input[i]);
    if (result.success) out[i] = result.data;
    else (issues ??= []).push(...toIssues(result.error, input[i], i));
  }
  if (issues) throw new MyContentError('INVALID_INPUT', summarize(what, issues), { source, issues });
  return out;
}
