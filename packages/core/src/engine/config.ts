import type { AssignmentStore } from '../ports/assignment-store';
import { parseInput } from '../domain/validate';
import { MyContentError } from '../errors/error';
import type { RecommenderModel } from '../model/contract';
import { DEFAULT_CACHE_TTLS, type CacheTtls } from '../ports/cache';
import { exposureSchema, type ExposurePolicy } from './exposure';
import { engineSettingsSchema } from './options';
import type { ProfileSettings } from './profile';
import { progressiveSchema, type ProgressivePolicy } from './progressive';
import { createRanker, type Ranker } from './ranker';
import type { EventLog, RecommenderOptions } from './types';
import type { ExposureLog } from '../experiments/exposures';

/** Where the engine's errors and warnings say they come from. */
export const ENGINE = 'engine';

/** {@link RecommenderOptions}, checked once at creation, with every default resolved. */
export interface EngineConfig {
  readonly ranker: Ranker;
  readonly ttl: CacheTtls;
  readonly erasure: 'delete' | 'anonymize';
  readonly warningIntervalMs: number;
  readonly profile: ProfileSettings;
  /** Progressive profiling of new users, when on. */
  readonly progressive: ProgressivePolicy | undefined;
  /** Bootstrapping of new items, when on. */
  readonly exposure: ExposurePolicy | undefined;
  /** Models answering `similarItems()`, the configured one first. */
  readonly similarChain: readonly string[];
  /** Models that index item embeddings. */
  readonly contentModels: readonly string[];
  /** Where the engine's events also live, for exports and erasures. */
  readonly eventLog: EventLog | undefined;
  /** The host's sticky experiment assignments, for exports and erasures. */
  readonly assignments: AssignmentStore | undefined;
  /** Where served lists are logged. */
  readonly exposures: ExposureLog | undefined;
  /** Whether served items count as impressions (`countImpressions`). */
  readonly countImpressions: boolean;
  /** What becomes of cached lists when loaded versions replace the serving models. */
  readonly onModelSwitch: 'keep-cached-lists' | 'recompute';
}

/** Checks the engine's options (typed errors naming the option) and resolves their defaults. */
export function resolveConfig(options: RecommenderOptions): EngineConfig {
  const settings = parseInput(engineSettingsSchema, options, 'recommender options', ENGINE);
  if (!options.store || typeof options.store.items?.get !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'a store is required (e.g. createMemoryStore())', { source: ENGINE, field: 'store' });
  }
  const ranker = createRanker(options, ENGINE, 'recommender options');
  const { models, names } = ranker;
  const canFindSimilar = (m: RecommenderModel) => m.capabilities.similarItems && typeof m.similar === 'function';
  const similarName = options.similarModel;
  if (similarName !== undefined && !(Object.prototype.hasOwnProperty.call(models, similarName) && canFindSimilar(models[similarName]!))) {
    throw new MyContentError('INVALID_CONFIG', `similarModel "${similarName}" is not a model with that capability`, { source: ENGINE, field: 'similarModel', value: similarName });
  }
  const newItems = options.newItems ?? options.newArticles;
  const eventLog = options.eventLog;
  if (eventLog !== undefined) {
    if (!eventLog.bus || typeof eventLog.bus.publish !== 'function') {
      throw new MyContentError('INVALID_CONFIG', 'eventLog.bus must be an EventBus adapter', { source: ENGINE, field: 'eventLog.bus' });
    }
    if (!Array.isArray(eventLog.topics) || eventLog.topics.length === 0 || eventLog.topics.some((t) => typeof t !== 'string' || t === '')) {
      throw new MyContentError('INVALID_CONFIG', 'eventLog.topics must be a non-empty list of topic names', { source: ENGINE, field: 'eventLog.topics', value: eventLog.topics });
    }
  }
  if (options.assignments !== undefined && typeof options.assignments.deleteUser !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'assignments must be an AssignmentStore adapter', { source: ENGINE, field: 'assignments' });
  }
  if (options.experiments !== undefined && typeof options.experiments.assign !== 'function') {
    throw new MyContentError('INVALID_CONFIG', 'experiments must be an experiment assigner (createExperimentAssigner())', { source: ENGINE, field: 'experiments' });
  }
  const exposures = options.exposures;
  if (exposures !== undefined) {
    if (!exposures.bus || typeof exposures.bus.publish !== 'function') {
      throw new MyContentError('INVALID_CONFIG', 'exposures.bus must be an EventBus adapter', { source: ENGINE, field: 'exposures.bus' });
    }
    if (typeof exposures.topic !== 'string' || exposures.topic === '') {
      throw new MyContentError('INVALID_CONFIG', 'exposures.topic must be a topic name', { source: ENGINE, field: 'exposures.topic', value: exposures.topic });
    }
    if (exposures.delivery !== undefined && exposures.delivery !== 'buffered' && exposures.delivery !== 'awaited') {
      throw new MyContentError('INVALID_CONFIG', "exposures.delivery must be 'buffered' or 'awaited'", { source: ENGINE, field: 'exposures.delivery', value: exposures.delivery });
    }
    for (const field of ['flushIntervalMs', 'maxBuffered'] as const) {
      const value = exposures[field];
      if (value !== undefined && !(Number.isFinite(value) && value >= (field === 'maxBuffered' ? 1 : 0))) {
        throw new MyContentError('INVALID_CONFIG', `exposures.${field} must be a finite number ≥ ${field === 'maxBuffered' ? 1 : 0}`, { source: ENGINE, field: `exposures.${field}`, value });
      }
    }
  }
  return {
    eventLog,
    assignments: options.assignments ?? options.experiments?.sticky,
    exposures,
    countImpressions: options.countImpressions === true,
    onModelSwitch: checkModelSwitch(options.onModelSwitch),
    ranker,
    ttl: { ...DEFAULT_CACHE_TTLS, ...settings.ttl },
    erasure: settings.erasure,
    warningIntervalMs: settings.warningIntervalMs,
    profile: { affinityHalfLifeMs: settings.affinityHalfLifeMs, recentItems: settings.recentItems },
    progressive:
      options.progressive === undefined || options.progressive === false
        ? undefined
        : parseInput(progressiveSchema, options.progressive === true ? {} : options.progressive, 'progressive options', ENGINE),
    exposure:
      newItems === undefined || newItems === false ? undefined : parseInput(exposureSchema, newItems === true ? {} : newItems, 'newItems options', ENGINE),
    similarChain: [
      ...(similarName === undefined ? [] : [similarName]),
      ...names.filter((n) => n !== similarName && canFindSimilar(models[n]!)),
    ],
    contentModels: names.filter((n) => typeof models[n]!.indexItems === 'function'),
  };
}

/** The `onModelSwitch` option, checked. */
function checkModelSwitch(value: RecommenderOptions['onModelSwitch']): 'keep-cached-lists' | 'recompute' {
  if (value === undefined) return 'keep-cached-lists';
  if (value !== 'keep-cached-lists' && value !== 'recompute') {
    throw new MyContentError('INVALID_CONFIG', "onModelSwitch must be 'keep-cached-lists' or 'recompute'", { source: ENGINE, field: 'onModelSwitch', value });
  }
  return value;
}
