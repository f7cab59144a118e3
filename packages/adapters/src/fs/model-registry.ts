import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MyContentError, type ModelRegistry, type ModelVersionInfo } from '@mycontent/core';

/** Name of the file-system model registry adapter. */
export const FILE_MODEL_REGISTRY_NAME = 'file-model-registry';

/** Options of {@link createFileModelRegistry}. */
export interface FileModelRegistryOptions {
  /** Root directory; each model gets a sub-directory with `vN.bin` and `vN.json` per version. */
  directory: string;
  now?: () => number;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A model registry on the local file system (or a mounted volume). Each version is written to a
 * temporary file and renamed into place, so a crash never leaves a half-written version.
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
  const readInfo = async (name: string, version: number): Promise<ModelVersionInfo> =>
    JSON.parse(await readFile(join(dirOf(name), `v${version}.json`), 'utf8'));

  /** Writes a version's bytes, then its description, each by a rename: a reader sees the old file or the new, never a mix. */
  async function writeVersion(info: ModelVersionInfo, bytes: Uint8Array): Promise<ModelVersionInfo> {
    const dir = dirOf(info.name);
    const tmp = join(dir, `.v${info.version}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, `v${info.version}.bin`));
    await writeFile(`${tmp}.json`, JSON.stringify(info));
    await rename(`${tmp}.json`, join(dir, `v${info.version}.json`));
    return info;
  }

  return {
    name: FILE_MODEL_REGISTRY_NAME,
    async save(name, bytes, metadata = {}) {
      await mkdir(dirOf(name), { recursive: true });
      const version = ((await versionsOf(name)).at(-1) ?? 0) + 1;
      return writeVersion({ name, version, createdAt: now(), size: bytes.length, metadata }, bytes);
    },
    async load(name, version) {
      const versions = await versionsOf(name);
      const v = version ?? versions.at(-1);
      if (v === undefined || !versions.includes(v)) return undefined;
      const [info, bytes] = await Promise.all([readInfo(name, v), readFile(join(dirOf(name), `v${v}.bin`))]);
      return { ...info, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    },
    async list(name) {
      return Promise.all((await versionsOf(name)).map((v) => readInfo(name, v)));
    },
    async delete(name, version) {
      await rm(join(dirOf(name), `v${version}.json`), { force: true });
      await rm(join(dirOf(name), `v${version}.bin`), { force: true });
    },
    async replace(name, version, bytes) {
      if (!(await versionsOf(name)).includes(version)) {
        throw new MyContentError('NOT_FOUND', `no version ${version} of model "${name}"`, { source: FILE_MODEL_REGISTRY_NAME, field: 'version', value: version });
      }
      return writeVersion({ ...(await readInfo(name, version)), size: bytes.length }, bytes);
    },
  };
}
