import { z } from 'zod';
import { idSchema, type ItemInput } from '../domain/schemas';
import { isMyContentError, MyContentError } from '../errors/error';
import type { BatchOutcome, BusMessage } from '../ports/event-bus';
import type { GuardedWrite, OutageGate } from './outage-gate';
import type { Recommender } from './types';

type Failure = { id: string; error: unknown };

/** A catalogue event: an item published or updated (validated by `ingestItems`), or removed. */
const itemEventSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), item: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal('remove'), itemId: idSchema }),
]);
type ItemEvent = z.output<typeof itemEventSchema>;

/**
 * The batch handler of catalogue events, in order: runs of upserts go to `ingestItems` in one
 * call, removals to `removeItems`, each through the outage gate (a store outage is waited out).
 * A malformed event fails alone (redelivered, then dead-lettered); a write the store refuses fails
 * the rest of the batch, in order. `applied` counts what was applied.
 */
export function catalogueEventHandler(recommender: Recommender, source: string, gate: OutageGate, report: { applied(count: number): void; failed(error: unknown): void }) {
  /** Applies one run of events of the same op; invalid upserts fail alone, the others are written. */
  async function applyRun(run: { id: string; event: ItemEvent }[], failed: Failure[]): Promise<GuardedWrite<number>> {
    let rest = run;
    for (;;) {
      if (rest.length === 0) return { kind: 'done', value: 0 };
      try {
        const current = rest;
        return await gate.write(async () =>
          current[0]!.event.op === 'remove'
            ? (await recommender.removeItems(current.map((e) => (e.event as { itemId: string }).itemId)), current.length)
            : (await recommender.ingestItems(current.map((e) => (e.event as { item: unknown }).item) as ItemInput[])).written,
        );
      } catch (error) {
        if (!isMyContentError(error, 'INVALID_INPUT') || error.issues.length === 0 || error.issues.some((i) => i.index === undefined)) throw error;
        const bad = new Set(error.issues.map((i) => i.index!));
        for (const index of bad) failed.push({ id: rest[index]!.id, error: new MyContentError('INVALID_INPUT', `catalogue event: ${error.message}`, { source }) });
        rest = rest.filter((_, i) => !bad.has(i));
      }
    }
  }

  return async (messages: BusMessage[]): Promise<BatchOutcome> => {
    const failed: Failure[] = [];
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
      const outcome = await applyRun(events.slice(at, end), failed);
      if (outcome.kind === 'released') {
        // Stopped during an outage: this run and the next go back to the bus, uncounted.
        const named = new Set(failed.map((f) => f.id));
        return { failed, released: events.slice(at).map((e) => e.id).filter((id) => !named.has(id)) };
      }
      if (outcome.kind === 'failed') {
        report.failed(outcome.error);
        for (const e of events.slice(at)) failed.push({ id: e.id, error: outcome.error });
        break;
      }
      report.applied(outcome.value);
      at = end;
    }
    return { failed };
  };
}
