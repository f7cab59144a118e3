/**
 * One batch of bus messages on its way into the engine: each message checked cheaply and turned
 * into an interaction, then the batch written through the outage gate until every event is applied
 * or named at fault.
 */
import { describeValue, isMyContentError, MyContentError } from '../errors/error';
import type { BusMessage } from '../ports/event-bus';
import type { GuardedWrite, OutageGate } from './outage-gate';
import type { IngestReport, Recommender } from './types';

/** An event on its way into the engine: its bus message id and the interaction it carries. */
export type Pending = { id: string; input: Record<string, unknown> };
/** A message that failed on its own, with why. */
export type Failure = { id: string; error: unknown };

/** The message of an error, or the value as text. */
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The invalid events an engine error names, by index in the batch (with their problems), or `undefined` for any other error. */
function invalidEvents(error: unknown): Map<number, string[]> | undefined {
  if (!isMyContentError(error, 'INVALID_INPUT') || error.issues.length === 0) return undefined;
  const bad = new Map<number, string[]>();
  for (const issue of error.issues) {
    if (issue.index === undefined) return undefined;
    const list = bad.get(issue.index) ?? [];
    list.push(`${issue.field} = ${describeValue(issue.value)}: ${issue.message}`);
    bad.set(issue.index, list);
  }
  return bad;
}

/** What a batch needs from its processor. */
export interface EventBatchContext {
  recommender: Recommender;
  /** The processor's current outage gate (a new one per start). */
  gate: () => OutageGate;
  stats: { lastError?: string };
  topic: string;
  maxPayloadBytes: number;
  maxClockSkewMs: number;
  clock: () => number;
  source: string;
}

/** The two steps of a batch: `toInput` per message, then `apply` on those that passed. */
export function createEventBatch(context: EventBatchContext) {
  const { recommender, stats, topic, maxPayloadBytes, maxClockSkewMs, clock, source: SOURCE } = context;

  /** Cheap checks and defaults; the engine validates the rest (once, for the whole batch). */
  function toInput(message: BusMessage): Record<string, unknown> {
    const bytes = message.bytes ?? JSON.stringify(message.payload)?.length ?? 0;
    if (bytes > maxPayloadBytes) {
      throw new MyContentError('INVALID_INPUT', `event of ${bytes} bytes exceeds maxPayloadBytes (${maxPayloadBytes})`, {
        source: SOURCE,
        field: 'payload',
        value: bytes,
      });
    }
    const payload = message.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new MyContentError('INVALID_INPUT', `event must be a JSON object (an interaction), got ${describeValue(payload)}`, {
        source: SOURCE,
        field: 'payload',
        value: payload,
      });
    }
    const input = { ...(payload as Record<string, unknown>) };
    input.timestamp ??= message.publishedAt;
    input.eventId ??= `${topic}:${message.id}`;
    const t = input.timestamp;
    const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : Number.NaN;
    if (ms > clock() + maxClockSkewMs) {
      throw new MyContentError('INVALID_INPUT', `event: timestamp = ${describeValue(t)} is more than ${maxClockSkewMs} ms in the future`, {
        source: SOURCE,
        field: 'timestamp',
        value: t,
      });
    }
    return input;
  }
  
  /**
   * Applies events through the engine, until each is applied or named at fault:
   * - invalid events are named by the engine (index, field, value; at most 100 a call): they fail,
   *   and the others are written again;
   * - while the store is down, the gate waits for it and writes again: an outage is no event's fault;
   * - when a write fails and the store answers, the events themselves are at fault: the batch is
   *   halved until they are found, and only they fail.
   * Resolves `released` when the processor stopped during an outage.
   */
  async function apply(inputs: Pending[], failed: Failure[]): Promise<IngestReport[] | 'released'> {
    const reports: IngestReport[] = [];
    let rest = inputs;
    while (rest.length > 0) {
      let outcome: GuardedWrite<IngestReport>;
      try {
        outcome = await context.gate().write(() => recommender.ingestInteractions(rest.map((x) => x.input) as never));
      } catch (error) {
        const invalid = invalidEvents(error);
        if (!invalid) throw error;
        for (const [index, problems] of invalid) {
          failed.push({ id: rest[index]!.id, error: new MyContentError('INVALID_INPUT', `event: ${problems.join('; ')}`, { source: SOURCE }) });
        }
        rest = rest.filter((_, i) => !invalid.has(i));
        continue;
      }
      if (outcome.kind === 'released') return 'released';
      if (outcome.kind === 'done') {
        reports.push(outcome.value);
        break;
      }
      stats.lastError = errorText(outcome.error);
      if (!outcome.storeAnswers || rest.length === 1) {
        for (const x of rest) failed.push({ id: x.id, error: outcome.error });
        break;
      }
      const half = rest.length >> 1;
      for (const part of [rest.slice(0, half), rest.slice(half)]) {
        const applied = await apply(part, failed);
        if (applied === 'released') return 'released';
        reports.push(...applied);
      }
      break;
    }
    return reports;
  }
  return { toInput, apply };
}
