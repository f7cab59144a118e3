import { z } from 'zod';
import { idSchema, type ItemInput } from '../domain/schemas';
import { isMyContentError, MyContentError } from '../errors/error';
import type { BusMessage } from '../ports/event-bus';
import type { Recommender } from './types';

/** A catalogue event: an item published or updated (validated by `ingestItems`), or removed. */
const itemEventSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), item: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal('remove'), itemId: idSchema }),
]);
type ItemEvent = z.output<typeof itemEventSchema>;

/**
 * The batch handler of catalogue events, in order: runs of upserts go to `ingestItems` in one
 * call, removals to `removeItems`. A malformed event fails alone (redelivered, then
 * dead-lettered); a store failure fails the rest of the batch. `applied` counts what was applied.
 */
export function catalogueEventHandler(recommender: Recommender, source: string, report: { applied(count: number): void; failed(error: unknown): void }) {
  /** Item upserts in one call; when some are invalid, those fail alone and the others are applied. Resolves with how many were. */
  async function applyUpserts(run: { id: string; event: ItemEvent }[], failed: { id: string; error: unknown }[]): Promise<number> {
    const items = run.map((e) => (e.event.op === 'upsert' ? e.event.item : {}) as unknown as ItemInput);
    try {
      return (await recommender.ingestItems(items)).written;
    } catch (error) {
      if (!isMyContentError(error, 'INVALID_INPUT') || error.issues.length === 0 || error.issues.some((i) => i.index === undefined)) throw error;
      const bad = new Set(error.issues.map((i) => i.index!));
      for (const index of bad) failed.push({ id: run[index]!.id, error: new MyContentError('INVALID_INPUT', `catalogue event: ${error.message}`, { source }) });
      const rest = items.filter((_, i) => !bad.has(i));
      return rest.length > 0 ? (await recommender.ingestItems(rest)).written : 0;
    }
  }

  return async (messages: BusMessage[]) => {
    const failed: { id: string; error: unknown }[] = [];
    const events: { id: string; event: ItemEvent }[] = [];
    for (const message of messages) {
      const parsed = itemEventSchema.safeParse(message.payload);
      if (parsed.success) events.push({ id: message.id, event: parsed.data });
      else {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || '(root)';
        failed.push({ id: message.id, error: new MyContentError('INVALID_INPUT', `catalogue event: ${field}: ${issue.message}`, { source, field }) });
      }
    }
    for (let at = 0; at < events.length; ) {
      const op = events[at]!.event.op;
      let end = at;
      while (end < events.length && events[end]!.event.op === op) end++;
      const run = events.slice(at, end);
      try {
        if (op === 'remove') {
          await recommender.removeItems(run.map((e) => (e.event as { itemId: string }).itemId));
          report.applied(run.length);
        } else report.applied(await applyUpserts(run, failed));
      } catch (error) {
        report.failed(error);
        for (const e of events.slice(at)) failed.push({ id: e.id, error });
        break;
      }
      at = end;
    }
    return { failed };
  };
}
