import { idSchema, preferencesSchema, userSchema, type PreferencesInput, type UserInput, type UserProfile } from '../domain/schemas';
import { parseBatch, parseInput } from '../domain/validate';
import { MyContentError, describeValue } from '../errors/error';
import type { CacheKey } from '../ports/cache';
import { ENGINE } from './config';
import type { EngineCore } from './core';
import { cloneProfile, emptyProfile } from './profile';
import type { IngestReport } from './types';

/** A user's profile, from the cache or the store (then cached); `undefined` for unknown users. */
export async function loadProfile(core: EngineCore, userId: string): Promise<UserProfile | undefined> {
  const key: CacheKey = { family: 'profile', id: 'profile', userId };
  const cached = await core.cache.get<UserProfile>(key);
  if (cached) return cached;
  const profile = await core.store.profiles.get(userId);
  if (profile) await core.cache.set(key, profile, core.config.ttl.profile);
  return profile;
}

/** `getProfile()`: the profile, or an empty one for unknown users. */
export async function getProfile(core: EngineCore, userId: string): Promise<UserProfile> {
  const id = parseInput(idSchema, userId, 'user id', ENGINE);
  return (await loadProfile(core, id)) ?? emptyProfile(id);
}

/** `ingestUsers()`: stores users; declared preferences go to their profiles (one locked update). */
export async function ingestUsers(core: EngineCore, input: readonly UserInput[]): Promise<IngestReport> {
  const now = core.clock();
  const users = parseBatch(userSchema, input, 'user', ENGINE).map((u) => ({ ...u, createdAt: u.createdAt ?? now }));
  await core.store.profiles.upsertUsers(users);
  const declared = new Map(users.filter((u) => u.preferences !== undefined).map((u) => [u.id, u.preferences!]));
  if (declared.size > 0) {
    await core.store.profiles.update([...declared.keys()], (current) =>
      [...declared].map(([id, preferences]) => ({ ...(current.get(id) ? cloneProfile(current.get(id)!) : emptyProfile(id)), preferences })),
    );
    await core.cache.invalidateUsers([...declared.keys()]);
  }
  return { written: users.length };
}

/** `setPreferences()`: the user's declared preferences (onboarding), in their profile. */
export async function setPreferences(core: EngineCore, userId: string, input: PreferencesInput): Promise<UserProfile> {
  const id = parseInput(idSchema, userId, 'user id', ENGINE);
  const preferences = parseInput(preferencesSchema, input, 'preferences', ENGINE);
  await core.ensureCatalog();
  const issues = (['categories', 'excludedCategories'] as const).flatMap((field) =>
    preferences[field]
      .map((category, i) => ({ field: `${field}.${i}`, value: category, message: 'is not a category of the catalogue' }))
      .filter((issue) => core.catalog.categoryCode(issue.value) < 0),
  );
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new MyContentError('INVALID_INPUT', `invalid preferences: ${first.field} = "${first.value}": ${first.message} (categories: ${describeValue(core.catalog.categories)})`, {
      source: ENGINE,
      field: first.field,
      value: first.value,
      issues,
    });
  }
  const user = await core.store.profiles.getUser(id);
  await core.store.profiles.upsertUsers([{ ...(user ?? { id, createdAt: core.clock() }), preferences }]);
  const [profile] = await core.store.profiles.update([id], (current) => {
    const existing = current.get(id);
    return [{ ...(existing ? cloneProfile(existing) : emptyProfile(id)), preferences }];
  });
  await core.cache.invalidateUsers([id]);
  return profile!;
}
