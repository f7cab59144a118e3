import { MyContentError, type RankingOptions } from '@mycontent/core';
import type { ReplayUpdate } from '@mycontent/core/eval';

/** A whole number at least `min`, or an `INVALID_INPUT` error naming the option (exit code 1). */
export function integer(option: string, raw: string, min = 1): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new MyContentError('INVALID_INPUT', `--${option} must be ${min === 1 ? 'a positive integer' : `an integer >= ${min}`}, got ${JSON.stringify(raw)}`, { source: 'cli', field: option, value: raw });
  }
  return n;
}

/** A number in (0, 1), or an `INVALID_INPUT` error naming the option. */
export function ratio(option: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(n > 0 && n < 1)) throw new MyContentError('INVALID_INPUT', `--${option} must be a number in (0, 1), got ${JSON.stringify(raw)}`, { source: 'cli', field: option, value: raw });
  return n;
}

/** Update policies by name (`online`, `frozen`, `retrain` every `retrainEvery` minutes). */
export function updates(raw: string, retrainEvery: string): ReplayUpdate[] {
  const minutes = Number(retrainEvery);
  if (!(minutes > 0)) throw new MyContentError('INVALID_INPUT', `--retrain-every must be a positive number of minutes, got ${JSON.stringify(retrainEvery)}`, { source: 'cli', field: 'retrain-every', value: retrainEvery });
  return raw.split(',').map((name) => {
    const trimmed = name.trim();
    if (trimmed === 'online' || trimmed === 'frozen') return { kind: trimmed };
    if (trimmed === 'retrain') return { kind: 'retrain', everyMs: minutes * 60_000 };
    throw new MyContentError('INVALID_INPUT', `update policy must be frozen, retrain or online, got ${JSON.stringify(trimmed)}`, { source: 'cli', field: 'updates', value: trimmed });
  });
}

/** What completes short lists during a replay: what is read now, then what was read most overall. */
export const REPLAY_FILL = { 'fallback:recent': 'recent', 'fallback:popular': 'popular' };
/** What completes short lists without a stream: what was read most overall. */
export const BATCH_FILL = { 'fallback:popular': 'popular' };

export type { RankingOptions };
