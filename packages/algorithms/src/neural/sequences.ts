import type { InteractionDataset } from '@mycontent/core';

/** A dataset's sessions as click sequences, for the sequence models' training. */
export interface SessionSequences {
  /** Sessions of two clicks or more, by start time. */
  sessions: number;
  /** Session s is `items[start[s] .. start[s + 1])`. */
  start: Int32Array;
  /** Catalogue indices, session after session, oldest click first. */
  items: Int32Array;
  /** Clicks of each catalogue index within those sessions. */
  clicks: Int32Array;
  /** The last `count` clicks of the dataset, oldest first (whatever their session). */
  latest(count: number): Int32Array;
}

/**
 * Groups a dataset's positive interactions into sessions, in time order: by session id when a
 * row has one, else by user with a new session after `gapMs` of inactivity. A click on the item
 * just clicked is dropped (a reload teaches nothing); sessions left with one click are dropped
 * (nothing to predict), and so are sessions that start more than `windowMs` before the last click.
 */
export function sessionSequences(data: InteractionDataset, gapMs: number, windowMs = Number.POSITIVE_INFINITY): SessionSequences {
  const order: number[] = [];
  for (let r = 0; r < data.length; r++) if (data.weight[r]! > 0) order.push(r);
  const ts = data.timestamp;
  order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  const lists: { first: number; items: number[] }[] = [];
  const open = new Map<string, { list: { first: number; items: number[] }; last: number }>();
  for (const r of order) {
    const s = data.session[r]!;
    const key = s >= 0 ? `s${s}` : `u${data.user[r]}`;
    const t = ts[r]!;
    let current = open.get(key);
    if (!current || (s < 0 && t - current.last > gapMs)) {
      current = { list: { first: t, items: [] }, last: t };
      lists.push(current.list);
      open.set(key, current);
    }
    current.last = t;
    const items = current.list.items;
    const item = data.item[r]!;
    if (items[items.length - 1] !== item) items.push(item);
  }
  const end = order.length > 0 ? ts[order[order.length - 1]!]! : 0;
  const kept = lists.filter((list) => list.items.length >= 2 && end - list.first <= windowMs);
  const start = new Int32Array(kept.length + 1);
  let total = 0;
  for (let s = 0; s < kept.length; s++) start[s + 1] = total += kept[s]!.items.length;
  const items = new Int32Array(total);
  const clicks = new Int32Array(data.catalog.size);
  for (let s = 0; s < kept.length; s++) {
    items.set(kept[s]!.items, start[s]!);
    for (const item of kept[s]!.items) clicks[item]!++;
  }
  const latest = (count: number) => Int32Array.from(order.slice(Math.max(0, order.length - count)), (r) => data.item[r]!);
  return { sessions: kept.length, start, items, clicks, latest };
}
