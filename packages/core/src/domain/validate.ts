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

/** Issues an error keeps, at most: a batch of a million bad records must not build a million issues. */
const MAX_ISSUES = 100;

function summarize(what: string, issues: ValidationIssue[], truncated?: { invalid: number; records: number }): string {
  const first = issues[0]!;
  const where = first.index === undefined ? '' : `record ${first.index}: `;
  const more = truncated
    ? ` (${truncated.invalid} of ${truncated.records} records are invalid; the first ${issues.length} issues are listed)`
    : issues.length > 1
      ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})`
      : '';
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
 * Validates a batch. The batch is rejected whole when any record is invalid, and nothing is
 * written: the error lists the invalid records with their index (`issues[].index`) — the first
 * 100 issues; past that, its message says how many records were invalid in all.
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
  let invalid = 0;
  let truncated = false;
  for (let i = 0; i < input.length; i++) {
    const result = schema.safeParse(input[i]);
    if (result.success) {
      out[i] = result.data;
      continue;
    }
    invalid++;
    issues ??= [];
    // Reading `result.error` builds the error (most of a failed parse's cost): past the cap, only count.
    if (issues.length >= MAX_ISSUES) truncated = true;
    else {
      const found = toIssues(result.error, input[i], i);
      if (issues.length + found.length > MAX_ISSUES) truncated = true;
      issues.push(...found.slice(0, MAX_ISSUES - issues.length));
    }
  }
  if (issues) throw new MyContentError('INVALID_INPUT', summarize(what, issues, truncated ? { invalid, records: input.length } : undefined), { source, issues });
  return out;
}
