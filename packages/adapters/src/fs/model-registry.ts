import { mkdir, readFile, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MyContentError, type ModelRegistry, type ModelVersionInfo } from '@mycontent/core';
import {
  emptyServingState,
  forgetInState,
  pinnedConflict,
  promoteInState,
  rollbackInState,
  versionStatus,
  versionsToPrune,
  type ServingState,
} from '@mycontent/core/internal';

/** Name of the file-system model registry adapter. */
export const FILE_MODEL_REGISTRY_NAME = 'file-model-registry';

/** Options of {@link createFileModelRegistry}. */
export interface FileModelRegistryOptions {
  /** Root directory; each model gets a sub-directory with `vN.bin` and `vN.json` per version. */
  directory: string;
  now?: () => number;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** How long a lock directory may stay before it is taken for the leftover of a crashed process, ms. */
const STALE_LOCK_MS = 30_000;

/** The description of a version as `vN.json` holds it (its state lives in `serving.json`). */
type SavedInfo = Omit<ModelVersionInfo, 'state' | 'promotedAt' | 'previous' | 'pinned'>;

/**
 * A model registry on the local file system (or a mounted volume). Each version is written to a
 * temporary file and renamed into place, so a crash never leaves a half-written version. Which
 * version serves (and what each promoted version replaced) is one file per model,
 * `serving.json`, rewritten by a rename under a lock directory: a promotion or a rollback is one
 * atomic step, also between processes sharing the directory.
 *
 * @example
 * ```ts
 * import { createFileModelRegistry } from '@mycontent/adapters/fs';
 * const registry = createFileModelRegistry({ directory: './models' });
 * ```
 */
export function createFileModelRegistry(options: FileModelRegistryOptions): ModelRegistry {
  const now = options.now ?? Date.now;
  const dirOf = (name: string) => {
    if (!SAFE_NAME.test(name)) {
      throw new MyContentError('INVALID_INPUT', `model name ${JSON.stringify(name)} must match ${SAFE_NAME}`, {
        source: FILE_MODEL_REGISTRY_NAME,
        field: 'name',
        value: name,
      });
    }
    return join(options.directory, name);
  };
  const versionsOf = async (name: string): Promise<number[]> => {
    const files = await readdir(dirOf(name)).catch(() => [] as string[]);
    return files
      .map((f) => /^v(\d+)\.json$/.exec(f)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  };
  const readSaved = async (name: string, version: number): Promise<SavedInfo> => {
    const { state: _state, promotedAt: _p, previous: _v, pinned: _pin, ...saved } = JSON.parse(await readFile(join(dirOf(name), `v${version}.json`), 'utf8'));
    return saved;
  };
  /** The serving state; a directory written before states existed serves its latest version. */
  const readState = async (name: string, versions: readonly number[]): Promise<ServingState> => {
    try {
      return JSON.parse(await readFile(join(dirOf(name), 'serving.json'), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const state = emptyServingState();
      const latest = versions.at(-1);
      if (latest !== undefined) {
        state.serving = latest;
        state.promotions[latest] = { promotedAt: (await readSaved(name, latest)).createdAt };
      }
      return state;
    }
  };
  const writeState = async (name: string, state: ServingState) => {
    const tmp = join(dirOf(name), `.serving.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, join(dirOf(name), 'serving.json'));
  };
  const withInfo = (saved: SavedInfo, state: ServingState): ModelVersionInfo => ({ ...saved, ...versionStatus(state, saved.version) });

  /**
   * Runs `change` on the model's versions and serving state under the model's lock (a directory:
   * creating one is atomic), then writes the state if `change` returned true. A lock older than
   * `STALE_LOCK_MS` is a crashed holder's and is taken over.
   */
  async function locked<T>(name: string, change: (versions: number[], state: ServingState) => Promise<[T, boolean]>): Promise<T> {
    await mkdir(dirOf(name), { recursive: true });
    const lock = join(dirOf(name), '.lock');
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (since > STALE_LOCK_MS) await rmdir(lock).catch(() => undefined);
        else if (attempt > 2_000) throw new MyContentError('BACKEND', `model "${name}" stays locked by another process (${lock})`, { source: FILE_MODEL_REGISTRY_NAME, field: 'name', value: name });
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    try {
      const versions = await versionsOf(name);
      const state = await readState(name, versions);
      const [result, changed] = await change(versions, state);
      if (changed) await writeState(name, state);
      return result;
    } finally {
      await rmdir(lock).catch(() => undefined);
    }
  }

  /** Writes a version's bytes, then its description, each by a rename: a reader sees the old file or the new, never a mix. */
  async function writeVersion(saved: SavedInfo, bytes: Uint8Array): Promise<void> {
    const dir = dirOf(saved.name);
    const tmp = join(dir, `.v${saved.version}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, `v${saved.version}.bin`));
    await writeFile(`${tmp}.json`, JSON.stringify(saved));
    await rename(`${tmp}.json`, join(dir, `v${saved.version}.json`));
  }

  return {
    name: FILE_MODEL_REGISTRY_NAME,
    save: (name, bytes, metadata = {}, saveOptions = {}) =>
      locked(name, async (versions, state) => {
        const promote = (saveOptions.state ?? 'serving') === 'serving';
        if (promote && state.serving !== undefined && state.pinned) throw pinnedConflict(FILE_MODEL_REGISTRY_NAME, name, state.serving);
        const saved: SavedInfo = { name, version: (versions.at(-1) ?? 0) + 1, createdAt: now(), size: bytes.length, metadata };
        await writeVersion(saved, bytes);
        if (promote) promoteInState(state, [...versions, saved.version], name, saved.version, {}, now(), FILE_MODEL_REGISTRY_NAME);
        return [withInfo(saved, state), true];
      }),
    async load(name, version) {
      const versions = await versionsOf(name);
      const v = version ?? (await readState(name, versions)).serving;
      if (v === undefined || !versions.includes(v)) return undefined;
      const [saved, bytes, state] = await Promise.all([readSaved(name, v), readFile(join(dirOf(name), `v${v}.bin`)), readState(name, versions)]);
      return { ...withInfo(saved, state), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    },
    async list(name) {
      const versions = await versionsOf(name);
      const state = await readState(name, versions);
      return Promise.all(versions.map(async (v) => withInfo(await readSaved(name, v), state)));
    },
    async names() {
      const entries = await readdir(options.directory, { withFileTypes: true }).catch(() => []);
      const names: string[] = [];
      for (const entry of entries) if (entry.isDirectory() && SAFE_NAME.test(entry.name) && (await versionsOf(entry.name)).length > 0) names.push(entry.name);
      return names.sort();
    },
    promote: (name, version, promoteOptions = {}) =>
      locked(name, async (versions, state) => {
        promoteInState(state, versions, name, version, promoteOptions, now(), FILE_MODEL_REGISTRY_NAME);
        return [withInfo(await readSaved(name, version), state), true];
      }),
    rollback: (name) =>
      locked(name, async (versions, state) => {
        const restored = rollbackInState(state, versions, name, now(), FILE_MODEL_REGISTRY_NAME);
        return [withInfo(await readSaved(name, restored), state), true];
      }),
    unpin: (name) =>
      locked(name, async (_versions, state) => {
        const changed = state.pinned;
        state.pinned = false;
        return [undefined, changed];
      }),
    prune: (name, keep) =>
      locked(name, async (versions, state) => {
        const doomed = versionsToPrune(state, versions, keep, FILE_MODEL_REGISTRY_NAME);
        for (const version of doomed) {
          forgetInState(state, version);
          await removeVersion(name, version);
        }
        return [doomed, doomed.length > 0];
      }),
    delete: (name, version) =>
      locked(name, async (versions, state) => {
        if (!versions.includes(version)) return [undefined, false];
        forgetInState(state, version);
        await removeVersion(name, version);
        return [undefined, true];
      }),
    replace: (name, version, bytes) =>
      locked(name, async (versions, state) => {
        if (!versions.includes(version)) {
          throw new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: FILE_MODEL_REGISTRY_NAME, field: 'version', value: version });
        }
        const saved = { ...(await readSaved(name, version)), size: bytes.length };
        await writeVersion(saved, bytes);
        return [withInfo(saved, state), false];
      }),
  };

  async function removeVersion(name: string, version: number): Promise<void> {
    await rm(join(dirOf(name), `v${version}.json`), { force: true });
    await rm(join(dirOf(name), `v${version}.bin`), { force: true });
  }
}
