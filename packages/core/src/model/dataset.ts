import { ItemCatalog } from '../catalog/catalog';
import { INTERACTION_TYPES, type Interaction, type InteractionType } from '../domain/schemas';

/** Signal strength of each interaction type for implicit-feedback models. */
export type InteractionWeights = Record<InteractionType, number>;

/**
 * Default signal strength per type: a view is weak, a click is the unit, a read, like or share
 * is stronger, a dislike is negative. A `rating` weighs its value. Reading time adds up to +1
 * (one extra unit per 2 minutes, capped).
 */
export const DEFAULT_INTERACTION_WEIGHTS: Readonly<InteractionWeights> = Object.freeze({
  view: 0.5,
  click: 1,
  read: 1.5,
  like: 2,
  share: 2.5,
  dislike: -1,
  rating: 1,
});

/** Code of each interaction type in {@link InteractionDataset.type}. */
export const INTERACTION_TYPE_CODES: Readonly<Record<InteractionType, number>> = Object.freeze(
  Object.fromEntries(INTERACTION_TYPES.map((t, i) => [t, i])) as Record<InteractionType, number>,
);

/** By type code: whether the type is a positive signal under the default weights (all but dislikes). */
export const POSITIVE_TYPE_CODES: readonly boolean[] = Object.freeze(INTERACTION_TYPES.map((type) => DEFAULT_INTERACTION_WEIGHTS[type] > 0));

/** Weight of one interaction under `weights`. */
export function interactionWeight(
  interaction: Pick<Interaction, 'type' | 'rating' | 'duration'>,
  weights: Readonly<InteractionWeights> = DEFAULT_INTERACTION_WEIGHTS,
): number {
  let w = weights[interaction.type];
  if (interaction.type === 'rating') w *= interaction.rating ?? 0;
  if (interaction.duration !== undefined && w > 0) w += Math.min(1, interaction.duration / 120);
  return w;
}

/**
 * Interactions in columns, ready for training: users and items as dense indices (items index the
 * shared {@link ItemCatalog}), one typed array per field. Rows keep their insertion order.
 */
export interface InteractionDataset {
  readonly catalog: ItemCatalog;
  /** User ids by user index. */
  readonly users: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  readonly length: number;
  readonly user: Int32Array;
  readonly item: Int32Array;
  /** Implicit signal weight (see {@link interactionWeight}); ≤ 0 is a negative signal. */
  readonly weight: Float32Array;
  readonly timestamp: Float64Array;
  /** Interaction type code: the index of the type in `INTERACTION_TYPES`. */
  readonly type: Uint8Array;
  /** Session index per row (dense, per dataset), -1 when the interaction had no session. */
  readonly session: Int32Array;
  /** Session ids by session index, when the builder kept them. */
  readonly sessions?: readonly string[];
  /** Explicit rating, NaN when none. */
  readonly rating: Float32Array;
}

/**
 * Builds an {@link InteractionDataset} from interactions appended in batches.
 *
 * @example
 * ```ts
 * const builder = new DatasetBuilder(catalog);
 * for await (const page of store.scanInteractions()) builder.addAll(page);
 * const dataset = builder.build();
 * ```
 */
export class DatasetBuilder {
  private readonly users: string[] = [];
  private readonly userIndex = new Map<string, number>();
  private readonly sessionIndex = new Map<string, number>();
  private n = 0;
  private cap: number;
  private user: Int32Array;
  private item: Int32Array;
  private weight: Float32Array;
  private timestamp: Float64Array;
  private type: Uint8Array;
  private session: Int32Array;
  private rating: Float32Array;

  constructor(
    readonly catalog: ItemCatalog = new ItemCatalog(),
    private readonly weights: Readonly<InteractionWeights> = DEFAULT_INTERACTION_WEIGHTS,
    capacity = 1024,
  ) {
    this.cap = Math.max(16, capacity);
    this.user = new Int32Array(this.cap);
    this.item = new Int32Array(this.cap);
    this.weight = new Float32Array(this.cap);
    this.timestamp = new Float64Array(this.cap);
    this.type = new Uint8Array(this.cap);
    this.session = new Int32Array(this.cap);
    this.rating = new Float32Array(this.cap);
  }

  /** Rows added so far. */
  get length(): number {
    return this.n;
  }

  /** Index of a user id, adding it when new. */
  userOf(id: string): number {
    let u = this.userIndex.get(id);
    if (u === undefined) {
      u = this.users.length;
      this.users.push(id);
      this.userIndex.set(id, u);
    }
    return u;
  }

  /** Appends one interaction. */
  add(interaction: Interaction): void {
    if (this.n === this.cap) this.resize(this.cap * 2);
    const i = this.n++;
    this.user[i] = this.userOf(interaction.userId);
    this.item[i] = this.catalog.ensure(interaction.itemId);
    this.weight[i] = interactionWeight(interaction, this.weights);
    this.timestamp[i] = interaction.timestamp;
    this.type[i] = INTERACTION_TYPE_CODES[interaction.type];
    this.rating[i] = interaction.rating ?? Number.NaN;
    if (interaction.sessionId === undefined) this.session[i] = -1;
    else {
      let s = this.sessionIndex.get(interaction.sessionId);
      if (s === undefined) {
        s = this.sessionIndex.size;
        this.sessionIndex.set(interaction.sessionId, s);
      }
      this.session[i] = s;
    }
  }

  /** Appends a batch. */
  addAll(interactions: readonly Interaction[]): void {
    for (const interaction of interactions) this.add(interaction);
  }

  /**
   * The rows added so far as a dataset of their own (arrays and id lists copied), while the
   * builder keeps accepting rows: a replay retrains on snapshots as its stream grows.
   */
  snapshot(): InteractionDataset {
    const n = this.n;
    const users = this.users.slice();
    return {
      catalog: this.catalog,
      users,
      userIndex: new Map(this.userIndex),
      length: n,
      user: this.user.slice(0, n),
      item: this.item.slice(0, n),
      weight: this.weight.slice(0, n),
      timestamp: this.timestamp.slice(0, n),
      type: this.type.slice(0, n),
      session: this.session.slice(0, n),
      sessions: [...this.sessionIndex.keys()],
      rating: this.rating.slice(0, n),
    };
  }

  /** The dataset (a {@link DatasetBuilder.snapshot} of every row added). */
  build(): InteractionDataset {
    return this.snapshot();
  }

  private resize(cap: number): void {
    const copy = <T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(cap);
      next.set(a);
      return next;
    };
    this.user = copy(this.user);
    this.item = copy(this.item);
    this.weight = copy(this.weight);
    this.timestamp = copy(this.timestamp);
    this.type = copy(this.type);
    this.session = copy(this.session);
    this.rating = copy(this.rating);
    this.cap = cap;
  }
}

/** Builds a dataset from an in-memory list of interactions. */
export function datasetFromInteractions(
  interactions: readonly Interaction[],
  catalog: ItemCatalog = new ItemCatalog(),
  weights?: Readonly<InteractionWeights>,
): InteractionDataset {
  const builder = new DatasetBuilder(catalog, weights, interactions.length);
  builder.addAll(interactions);
  return builder.build();
}

/**
 * Rows grouped by user, each user's rows in time order (ties keep insertion order):
 * rows of user `u` are `order[start[u] .. start[u + 1])`.
 */
export interface UserRows {
  start: Int32Array;
  order: Int32Array;
}

/** Groups the dataset's rows by user, sorted by time (a counting sort plus per-user sorts). */
export function groupRowsByUser(data: InteractionDataset): UserRows {
  const users = data.users.length;
  const start = new Int32Array(users + 1);
  for (let i = 0; i < data.length; i++) start[data.user[i]! + 1]!++;
  for (let u = 0; u < users; u++) start[u + 1]! += start[u]!;
  const fill = start.slice(0, users);
  const order = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) order[fill[data.user[i]!]!++] = i;
  const ts = data.timestamp;
  for (let u = 0; u < users; u++) {
    const a = start[u]!;
    const b = start[u + 1]!;
    let sorted = true;
    for (let j = a + 1; j < b; j++) if (ts[order[j]!]! < ts[order[j - 1]!]!) { sorted = false; break; }
    if (!sorted) {
      const rows = Array.from(order.subarray(a, b)).sort((x, y) => ts[x]! - ts[y]! || x - y);
      order.set(rows, a);
    }
  }
  return { start, order };
}
