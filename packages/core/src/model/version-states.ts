import { MyContentError } from '../errors/error';
import type { ModelPromoteOptions, ModelVersionInfo, ModelVersionState } from '../ports/model-registry';

/**
 * Which version of one model serves, and what each promoted version replaced: the whole state a
 * registry keeps beside the versions themselves (a file registry writes it as one file, so a
 * promotion is one atomic rename). A version's state follows from it: the serving one, retired
 * when it has served before, a candidate otherwise.
 */
export interface ServingState {
  serving?: number;
  pinned: boolean;
  promotions: Record<number, { promotedAt: number; previous?: number }>;
}

/** A name's serving state when nothing was promoted yet. */
export const emptyServingState = (): ServingState => ({ pinned: false, promotions: {} });

/** A version's state, promotion time, previous version and pin, from the serving state. */
export function versionStatus(state: ServingState, version: number): Pick<ModelVersionInfo, 'state' | 'promotedAt' | 'previous' | 'pinned'> {
  const promotion = state.promotions[version];
  const status: ModelVersionState = state.serving === version ? 'serving' : promotion ? 'retired' : 'candidate';
  return {
    state: status,
    ...(promotion ? { promotedAt: promotion.promotedAt } : {}),
    ...(promotion?.previous === undefined ? {} : { previous: promotion.previous }),
    pinned: status === 'serving' && state.pinned,
  };
}

const missing = (source: string, name: string, version: number) =>
  new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source, field: 'version', value: version });

/** The `CONFLICT` of a change refused because `serving` is pinned. */
export const pinnedConflict = (source: string, name: string, serving: number) =>
  new MyContentError('CONFLICT', `version ${serving} of model "${name}" is pinned: unpin it, or promote with force`, { source, field: 'version', value: serving });

/** Promotes `version` (which must be one of `versions`) in `state`, in place. */
export function promoteInState(state: ServingState, versions: readonly number[], name: string, version: number, options: ModelPromoteOptions, now: number, source: string): void {
  if (!versions.includes(version)) throw missing(source, name, version);
  if (state.serving === version) {
    if (options.pin !== undefined) state.pinned = options.pin;
    return;
  }
  if (state.serving !== undefined && state.pinned && !options.force) throw pinnedConflict(source, name, state.serving);
  state.promotions[version] = { promotedAt: now, ...(state.serving === undefined ? {} : { previous: state.serving }) };
  state.serving = version;
  state.pinned = options.pin ?? false;
}

/** Puts the serving version's previous one back into service in `state`, in place; returns it. */
export function rollbackInState(state: ServingState, versions: readonly number[], name: string, now: number, source: string): number {
  if (state.serving === undefined) throw new MyContentError('NOT_FOUND', `no version of model "${name}" is serving: nothing to roll back`, { source, field: 'name', value: name });
  const previous = state.promotions[state.serving]?.previous;
  if (previous === undefined || !versions.includes(previous)) {
    throw new MyContentError('NOT_FOUND', `version ${state.serving} of model "${name}" has no previous version to roll back to`, { source, field: 'version', value: state.serving });
  }
  state.promotions[previous] = { ...state.promotions[previous], promotedAt: now } as ServingState['promotions'][number];
  state.serving = previous;
  state.pinned = false;
  return previous;
}

/** The versions retention deletes: all but the newest `keep`, never the serving one nor its previous. */
export function versionsToPrune(state: ServingState, versions: readonly number[], keep: number, source: string): number[] {
  if (!Number.isInteger(keep) || keep < 0) throw new MyContentError('INVALID_INPUT', `keep must be a whole number ≥ 0, got ${keep}`, { source, field: 'keep', value: keep });
  const kept = new Set([...versions].sort((a, b) => b - a).slice(0, keep));
  if (state.serving !== undefined) {
    kept.add(state.serving);
    const previous = state.promotions[state.serving]?.previous;
    if (previous !== undefined) kept.add(previous);
  }
  return versions.filter((v) => !kept.has(v));
}

/** Forgets a deleted version in `state`, in place (deleting the serving version leaves nothing serving). */
export function forgetInState(state: ServingState, version: number): void {
  if (state.serving === version) {
    delete state.serving;
    state.pinned = false;
  }
  delete state.promotions[version];
}
