/**
 * @mycontent/core/internal — building blocks the My Content packages share (heaps, worker pools,
 * dataset building, session tracking). Not part of the public API: no semver guarantee, no
 * documentation; use `@mycontent/core` instead.
 *
 * @internal
 * @packageDocumentation
 * @module @mycontent/core/internal
 */

export { TopK } from '../model/top-k';
export { DatasetBuilder, groupRowsByUser, INTERACTION_TYPE_CODES } from '../model/dataset';
export type { UserRows } from '../model/dataset';
export { createKernelPool, balancedRanges } from '../parallel/kernel-pool';
export type { Kernel, KernelLibraryOptions, KernelPool, KernelPoolOptions } from '../parallel/kernel-pool';
export { SessionTracker, sessionKey, currentSessionLength } from '../session/session';
export type { OpenSession, SessionEvent } from '../session/session';
export { growArray } from '../typed-array/grow';
export type { GrowableArray } from '../typed-array/grow';
export { fnv1a32 } from '../hash/fnv';
export { resolvePartitioning } from '../ports/partitions';
export type { Partitioning } from '../ports/partitions';
export { yieldToEventLoop, createBreather } from '../scheduling/yield';
export { StringInterner } from '../data/interner';
export { detachString } from '../data/lines';
export { applyInteractionToProfile, cloneProfile } from '../engine/profile';
export { CandidateFeatures } from '../engine/candidate-features';
export type { ProfileSettings } from '../engine/profile';
export { mergeArmDeltas, addVectors } from '../ports/bandit';
export { learningExploreShare, interleave } from '../engine/progressive';
export { emptyServingState, versionStatus, promoteInState, rollbackInState, versionsToPrune, forgetInState, pinnedConflict } from '../model/version-states';
export type { ServingState } from '../model/version-states';
