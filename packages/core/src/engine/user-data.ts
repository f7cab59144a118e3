import { idSchema } from '../domain/schemas';
import { parseInput } from '../domain/validate';
import { ItemCatalog } from '../catalog/catalog';
import { MyContentError } from '../errors/error';
import { artifactHeaderText, decodeModelArtifact, encodeModelArtifact } from '../model/artifact';
import type { BusMessage } from '../ports/event-bus';
import type { UserDataExport } from '../ports/store';
import type { ListExposure } from '../experiments/exposures';
import { ENGINE } from './config';
import type { EngineCore } from './core';

/** What `deleteUserData()` removed. */
export interface ErasureReport {
  /** Interactions deleted (or anonymised, per the `erasure` option). */
  interactions: number;
  /** Events removed from the event log's topics (retained, pending and dead-lettered). */
  events: number;
  /** Saved model versions rewritten without the user (or deleted, for a model that cannot rewrite them). */
  modelVersions: number;
  /** Sticky experiment assignments removed (with the `assignments` option). */
  assignments: number;
  /** Served lists removed from the exposure topic and its store, each counted once (with the `exposures` option). */
  exposures: number;
}

/** Whether an event's payload is the user's (ids are compared as strings, like everywhere else). */
const isUsers = (userId: string) => (payload: unknown) =>
  typeof payload === 'object' && payload !== null && 'userId' in payload && String((payload as { userId: unknown }).userId) === userId;

/**
 * `exportUserData()`: everything held about one user — the user, their profile, every interaction
 * (newest first), what each model holds about them (`userData`), and their events still in the
 * event log's topics.
 */
export async function exportUserData(core: EngineCore, userId: string): Promise<UserDataExport> {
  const id = parseInput(idSchema, userId, 'user id', ENGINE);
  const { profiles, interactions } = core.store;
  const [user, profile, all, events, experiments, exposures] = await Promise.all([
    profiles.getUser(id),
    profiles.get(id),
    interactions.ofUser(id, { limit: Number.POSITIVE_INFINITY }),
    eventsOf(core, id),
    core.config.assignments?.get(id),
    exposuresOf(core, id),
  ]);
  const models: Record<string, Record<string, unknown>> = {};
  for (const [name, model] of Object.entries(core.config.ranker.models)) {
    const held = model.userData?.(id);
    if (held !== undefined) models[name] = held;
  }
  return { user, profile, interactions: all, models, events, ...(experiments === undefined ? {} : { experiments }), ...(exposures === undefined ? {} : { exposures }) };
}

/** The lists served to a user: those stored, then those still on the exposure topic only. */
async function exposuresOf(core: EngineCore, userId: string): Promise<ListExposure[] | undefined> {
  const log = core.config.exposures;
  if (!log) return undefined;
  const stored = (await log.store?.ofUser(userId)) ?? [];
  const ids = new Set(stored.map((x) => x.id));
  const pending = log.bus.findMessages ? await log.bus.findMessages<ListExposure>(log.topic, isUsers(userId)) : [];
  return [...stored, ...pending.map((m) => m.payload).filter((x) => !ids.has(x.id))];
}

async function eventsOf(core: EngineCore, userId: string): Promise<NonNullable<UserDataExport['events']>> {
  const log = core.config.eventLog;
  if (!log) return [];
  const events: NonNullable<UserDataExport['events']> = [];
  for (const topic of log.topics) {
    const found: BusMessage[] = log.bus.findMessages ? await log.bus.findMessages(topic, isUsers(userId)) : [];
    for (const m of found) events.push({ topic, id: m.id, publishedAt: m.publishedAt, payload: m.payload });
  }
  return events;
}

/**
 * `deleteUserData()`: erases one user everywhere the engine reaches, in this order —
 * 1. their events in the event log's topics (so that a worker does not apply them again);
 * 2. their interactions (deleted or anonymised, per the `erasure` option), the user and profile;
 * 3. every cache entry of the user (an erasure does not degrade: a cache failure throws);
 * 4. what every model holds about them (`forgetUser`);
 * 5. every saved model version that names them: restored into an untrained copy of the model,
 *    the user forgotten, written back in place; a version of a model that cannot do so is deleted;
 * 6. their sticky experiment assignments (with the `assignments` option);
 * 7. the lists served to them, on the exposure topic and in its store (with the `exposures` option).
 * Idempotent: after a failure, call it again.
 */
export async function deleteUserData(core: EngineCore, userId: string): Promise<ErasureReport> {
  const id = parseInput(idSchema, userId, 'user id', ENGINE);
  const events = await eraseEvents(core, id);
  const interactions = await core.store.interactions.erase(id, core.config.erasure);
  await core.store.profiles.deleteUser(id);
  await core.cache.erase(id);
  const models = core.config.ranker.models;
  for (const model of Object.values(models)) model.forgetUser?.(id);
  const modelVersions = await eraseFromSavedModels(core, id);
  const assignments = (await core.config.assignments?.deleteUser(id)) ?? 0;
  const exposures = await eraseExposures(core, id);
  return { interactions, events, modelVersions, assignments, exposures };
}

async function eraseExposures(core: EngineCore, userId: string): Promise<number> {
  const log = core.config.exposures;
  if (!log) return 0;
  if (!log.bus.eraseMessages) {
    throw new MyContentError('UNSUPPORTED', `event bus "${log.bus.name}" cannot erase messages: the user's exposures would stay in it`, { source: ENGINE, field: 'exposures.bus' });
  }
  // Counted once per list, whether it was on the topic, in the store, or both.
  const listed = await exposuresOf(core, userId);
  const onTopic = await log.bus.eraseMessages(log.topic, isUsers(userId));
  const stored = (await log.store?.deleteUser(userId)) ?? 0;
  return log.bus.findMessages ? listed!.length : onTopic + stored;
}

async function eraseEvents(core: EngineCore, userId: string): Promise<number> {
  const log = core.config.eventLog;
  if (!log) return 0;
  if (!log.bus.eraseMessages) {
    throw new MyContentError('UNSUPPORTED', `event bus "${log.bus.name}" cannot erase messages: the user's events would stay in it`, {
      source: ENGINE,
      field: 'eventLog.bus',
    });
  }
  let erased = 0;
  for (const topic of log.topics) erased += await log.bus.eraseMessages(topic, isUsers(userId));
  return erased;
}

async function eraseFromSavedModels(core: EngineCore, userId: string): Promise<number> {
  const registry = core.registry;
  if (!registry) return 0;
  const quoted = JSON.stringify(userId);
  let rewritten = 0;
  for (const [name, model] of Object.entries(core.config.ranker.models)) {
    for (const { version } of await registry.list(name)) {
      const stored = await registry.load(name, version);
      if (!stored || !artifactHeaderText(stored.bytes).includes(quoted)) continue;
      const copy = model.forgetUser ? model.untrainedCopy?.() : undefined;
      if (copy) {
        copy.restore(decodeModelArtifact(stored.bytes), new ItemCatalog());
        copy.forgetUser!(userId);
        await registry.replace(name, version, encodeModelArtifact(copy.toArtifact()));
      } else {
        await registry.delete(name, version);
      }
      rewritten++;
    }
  }
  return rewritten;
}
