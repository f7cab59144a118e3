import { z } from 'zod';
import { MyContentError, idSchema } from '@mycontent/core';
import type { ReplayQuery } from '@mycontent/core/eval';
import { readLineBatches } from '@mycontent/core/data';

const querySchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  user: idSchema.optional(),
  session: z.array(idSchema).max(10_000).optional(),
  exclude: z.array(idSchema).max(100_000).optional(),
  ts: z.number().finite().nonnegative().optional(),
});

/** One query line of the batch contract, validated. */
export type QueryLine = { line: number; query: z.output<typeof querySchema> };

/** Reads and validates every query line of a JSONL file (a bad line fails with its number before any work). */
export async function readQueries(path: string, shown = path): Promise<QueryLine[]> {
  const out: QueryLine[] = [];
  for await (const lines of readLineBatches(path)) {
    for (const { line, text } of lines) {
      if (text.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw new MyContentError('FORMAT', `${shown}:${line}: not valid JSON`, { source: 'cli', field: 'line', value: line, cause });
      }
      const parsed = querySchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new MyContentError('INVALID_INPUT', `${shown}:${line}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { source: 'cli', field: issue.path.join('.'), value: line });
      }
      out.push({ line, query: parsed.data });
    }
  }
  return out;
}

/** Replay queries: every line needs `ts` (epoch ms). */
export function replayQueries(lines: readonly QueryLine[], shown: string): ReplayQuery[] {
  return lines.map(({ line, query: q }) => {
    if (q.ts === undefined) {
      throw new MyContentError('INVALID_INPUT', `${shown}:${line}: query ${JSON.stringify(q.id)} has no "ts": with --replay every query needs the time it is asked (epoch ms)`, { source: 'cli', field: 'ts', value: line });
    }
    return {
      id: q.id,
      ts: q.ts,
      ...(q.user === undefined ? {} : { userId: q.user }),
      ...(q.session === undefined ? {} : { session: q.session }),
      ...(q.exclude === undefined ? {} : { exclude: q.exclude }),
    };
  });
}
