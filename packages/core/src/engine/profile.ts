import type { Interaction, Preferences, UserProfile } from '../domain/schemas';

/** Settings of the profile updater. */
export interface ProfileSettings {
  /** Half-life of category affinities, ms. @default 7 days */
  affinityHalfLifeMs: number;
  /** Recent items kept in the profile. @default 50 */
  recentItems: number;
}

/**
 * A record keyed by names that come from users (categories): no prototype, so that a category
 * named `constructor`, `toString` or `__proto__` is a key like any other.
 */
function keyedByName<T>(entries?: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** An empty profile for `userId`. */
export function emptyProfile(userId: string, preferences?: Preferences): UserProfile {
  return {
    userId,
    preferences: preferences ?? { categories: [], excludedCategories: [] },
    categoryAffinity: keyedByName(),
    recentItems: [],
    counts: keyedByName(),
    interactionCount: 0,
    firstSeenAt: 0,
    lastSeenAt: 0,
    updatedAt: 0,
  };
}

/**
 * Applies one interaction to a profile in place: decays category affinities to the newest time
 * seen and adds the interaction's signal `weight` to its category (dislikes subtract), pushes the
 * item to the front of the recent items, and counts it. Interactions that arrive out of order are
 * decayed to the profile's time instead.
 */
export function applyInteractionToProfile(
  profile: UserProfile,
  interaction: Interaction,
  category: string | undefined,
  weight: number,
  settings: ProfileSettings,
): void {
  // Profiles read back from a store are plain objects: own keys only, whatever a category is named.
  if (Object.getPrototypeOf(profile.categoryAffinity) !== null) profile.categoryAffinity = keyedByName(profile.categoryAffinity);
  if (Object.getPrototypeOf(profile.counts) !== null) profile.counts = keyedByName(profile.counts);
  const t = interaction.timestamp;
  if (t > profile.updatedAt) {
    if (profile.updatedAt > 0) {
      const factor = Math.pow(2, -(t - profile.updatedAt) / settings.affinityHalfLifeMs);
      for (const key of Object.keys(profile.categoryAffinity)) {
        const decayed = profile.categoryAffinity[key]! * factor;
        if (Math.abs(decayed) < 1e-6) delete profile.categoryAffinity[key];
        else profile.categoryAffinity[key] = decayed;
      }
    }
    profile.updatedAt = t;
  }
  if (category !== undefined && weight !== 0) {
    const w = weight * Math.pow(2, -(profile.updatedAt - t) / settings.affinityHalfLifeMs);
    profile.categoryAffinity[category] = (profile.categoryAffinity[category] ?? 0) + w; // no prototype: only own keys
  }
  if (weight > 0) {
    const recent = profile.recentItems;
    const at = recent.indexOf(interaction.itemId);
    if (at >= 0) recent.splice(at, 1);
    recent.unshift(interaction.itemId);
    if (recent.length > settings.recentItems) recent.length = settings.recentItems;
  }
  profile.counts[interaction.type] = (profile.counts[interaction.type] ?? 0) + 1;
  profile.interactionCount += 1;
  profile.firstSeenAt = profile.firstSeenAt === 0 ? t : Math.min(profile.firstSeenAt, t);
  profile.lastSeenAt = Math.max(profile.lastSeenAt, t);
}

/** A deep copy of a profile (faster than `structuredClone` for this shape). */
export function cloneProfile(profile: UserProfile): UserProfile {
  return {
    userId: profile.userId,
    preferences: {
      categories: [...profile.preferences.categories],
      excludedCategories: [...profile.preferences.excludedCategories],
    },
    categoryAffinity: keyedByName(profile.categoryAffinity),
    recentItems: [...profile.recentItems],
    counts: keyedByName(profile.counts),
    interactionCount: profile.interactionCount,
    firstSeenAt: profile.firstSeenAt,
    lastSeenAt: profile.lastSeenAt,
    updatedAt: profile.updatedAt,
  };
}
