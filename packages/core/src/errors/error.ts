/**
 * Stable error codes thrown by every My Content package.
 *
 * - `INVALID_INPUT`: a value given to a public entry point failed validation.
 * - `INVALID_CONFIG`: options given to a factory are inconsistent.
 * - `NOT_FOUND`: a referenced entity (model, version, file) does not exist.
 * - `NOT_TRAINED`: a model was asked for results before `fit()`.
 * - `UNSUPPORTED`: the adapter or model does not support the operation.
 * - `FORMAT`: a file or artifact could not be parsed.
 * - `BACKEND`: a backend (database, cache, broker) failed.
 * - `ABORTED`: an operation was cancelled through its `AbortSignal`.
 * - `CAPACITY`: the operation would exceed a configured memory or size bound.
 * - `CONFLICT`: the operation contradicts the current state (e.g. promoting over a pinned model version).
 * - `DIVERGED`: training produced a NaN or an infinity (its details name the step); no model was kept.
 */
export type MyContentErrorCode =
  | 'INVALID_INPUT'
  | 'INVALID_CONFIG'
  | 'NOT_FOUND'
  | 'NOT_TRAINED'
  | 'UNSUPPORTED'
  | 'FORMAT'
  | 'BACKEND'
  | 'ABORTED'
  | 'CAPACITY'
  | 'CONFLICT'
  | 'DIVERGED';

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Index of the record inside a batch, when the input was a batch. */
  index?: number;
  /** Dotted path of the offending field, e.g. `timestamp` or `context.device`. */
  field: string;
  /** The offending value (truncated when large). */
  value?: unknown;
  /** What is wrong with it. */
  message: string;
}

/** Options for {@link MyContentError}. */
export interface MyContentErrorOptions {
  /** Where the error comes from, e.g. `engine`, `redis`, `globo-loader`. */
  source?: string;
  /** The first offending field, when the error is about input. */
  field?: string;
  /** The first offending value, when the error is about input. */
  value?: unknown;
  /** Every problem found, for batch validation. */
  issues?: ValidationIssue[];
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error class of the SDK. It carries a stable {@link MyContentErrorCode}, the offending
 * field and value when the error is about input, and the underlying `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await recommender.ingestInteractions(batch);
 * } catch (error) {
 *   if (error instanceof MyContentError && error.code === 'INVALID_INPUT') {
 *     console.error(error.issues); // [{ index: 3, field: 'timestamp', value: -1, message: '...' }]
 *   }
 * }
 * ```
 */
export class MyContentError extends Error {
  /** Stable, machine-readable code. */
  readonly code: MyContentErrorCode;
  /** Where the error comes from. */
  readonly source: string | undefined;
  /** First offending field (input errors). */
  readonly field: string | undefined;
  /** First offending value (input errors). */
  readonly value: unknown;
  /** Every validation problem (input errors). */
  readonly issues: ValidationIssue[];

  constructor(code: MyContentErrorCode, message: string, options: MyContentErrorOptions = {}) {
    const prefix = options.source ? `[mycontent] [${options.source}] ` : '[mycontent] ';
    super(prefix + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MyContentError';
    this.code = code;
    this.source = options.source;
    this.field = options.field ?? options.issues?.[0]?.field;
    this.value = options.value !== undefined ? options.value : options.issues?.[0]?.value;
    this.issues = options.issues ?? [];
  }
}

/** True when `error` is a {@link MyContentError}, optionally with the given code. */
export function isMyContentError(error: unknown, code?: MyContentErrorCode): error is MyContentError {
  return error instanceof MyContentError && (code === undefined || error.code === code);
}

/** Shortens a value so it can be printed inside an error message. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value == null) text = String(value);
  else if (value instanceof Date) text = `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  else if (ArrayBuffer.isView(value)) text = `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Object.prototype.toString.call(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
