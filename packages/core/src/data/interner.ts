import { detachString } from './lines';

/**
 * Interns strings as dense integer codes (0, 1, 2...) — for ids held in columns. Kept strings are
 * detached from any larger parent string (see {@link detachString}).
 *
 * @example
 * ```ts
 * const users = new StringInterner();
 * users.code('alice'); // 0
 * users.code('bob'); // 1
 * users.values[0]; // 'alice'
 * ```
 */
export class StringInterner {
  /** Strings by code ('' for forgotten ones). */
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  /** The code of `value`, assigning the next one when new. */
  code(value: string): number {
    let c = this.index.get(value);
    if (c === undefined) {
      c = this.values.length;
      const kept = detachString(value);
      this.values.push(kept);
      this.index.set(kept, c);
    }
    return c;
  }

  /** The code of `value`, or `undefined`. */
  find(value: string): number | undefined {
    return this.index.get(value);
  }

  /** Drops a value: its code stays allocated but maps to '' and the value gets a new code if seen again. */
  forget(value: string): void {
    const c = this.index.get(value);
    if (c === undefined) return;
    this.index.delete(value);
    this.values[c] = '';
  }
}
