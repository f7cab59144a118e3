import { MyContentError, type ModelVersionInfo } from '@mycontent/core';
import { integer } from '../options';
import { openRegistry, type RegistryOptions } from '../registry';

/** A version as one line of `models list`. */
function describe(v: ModelVersionInfo): string {
  const lineage = v.metadata as { data?: { from?: string; to?: string; interactions?: number }; code?: { commit?: string } };
  const window = lineage.data?.from ? ` data ${lineage.data.from.slice(0, 10)}..${lineage.data.to?.slice(0, 10)}` : '';
  return [
    `${v.name}`.padEnd(12),
    `v${v.version}`.padEnd(5),
    `${v.state}${v.pinned ? ' (pinned)' : ''}`.padEnd(18),
    new Date(v.createdAt).toISOString().slice(0, 19).replace('T', ' '),
    `${(v.size / 1024).toFixed(0)} KiB`.padStart(9),
    `${window}${v.previous === undefined ? '' : ` replaced v${v.previous}`}${lineage.code?.commit ? ` code ${lineage.code.commit}` : ''}`,
  ].join('  ');
}

/** Runs `work` on the registry the options name, then closes it. */
async function withRegistry<T>(options: RegistryOptions, work: (registry: ReturnType<typeof openRegistry>['registry']) => Promise<T>): Promise<T> {
  const { registry, close } = openRegistry(options);
  try {
    return await work(registry);
  } finally {
    await close();
  }
}

/** A version number (`3` or `v3`), or `latest`: the newest version of the model. */
async function version(registry: ReturnType<typeof openRegistry>['registry'], name: string, raw: string): Promise<number> {
  if (raw !== 'latest') return integer('version', raw.replace(/^v/, ''));
  const newest = (await registry.list(name)).at(-1);
  if (!newest) throw new MyContentError('NOT_FOUND', `no version of model "${name}" in the registry`, { source: 'cli', field: 'name', value: name });
  return newest.version;
}

/** `models list [name]`: every version of one model, or of every model, with its state and lineage. */
export function listVersions(name: string | undefined, options: RegistryOptions, print: (line: string) => void): Promise<ModelVersionInfo[]> {
  return withRegistry(options, async (registry) => {
    const names = name === undefined ? await registry.names() : [name];
    const all = (await Promise.all(names.map((n) => registry.list(n)))).flat();
    if (name !== undefined && all.length === 0) throw new MyContentError('NOT_FOUND', `no version of model "${name}" in the registry`, { source: 'cli', field: 'name', value: name });
    for (const v of all) print(describe(v));
    return all;
  });
}

/** `models promote <name> <version>`: that version serves (the serving one retires). */
export function promoteVersion(name: string, raw: string, options: RegistryOptions & { pin: boolean; force: boolean }, print: (line: string) => void): Promise<ModelVersionInfo> {
  return withRegistry(options, async (registry) => {
    const promoted = await registry.promote(name, await version(registry, name, raw), { pin: options.pin, force: options.force });
    print(describe(promoted));
    return promoted;
  });
}

/** `models rollback <name>`: the version that served before serves again. */
export function rollbackVersion(name: string, options: RegistryOptions, print: (line: string) => void): Promise<ModelVersionInfo> {
  return withRegistry(options, async (registry) => {
    const restored = await registry.rollback(name);
    print(describe(restored));
    return restored;
  });
}

/** `models unpin <name>`. */
export function unpinVersion(name: string, options: RegistryOptions, print: (line: string) => void): Promise<void> {
  return withRegistry(options, async (registry) => {
    await registry.unpin(name);
    print(`${name}: unpinned`);
  });
}

/** `models prune <name> --keep N`: retention. */
export function pruneVersions(name: string, options: RegistryOptions & { keep: string }, print: (line: string) => void): Promise<number[]> {
  return withRegistry(options, async (registry) => {
    const deleted = await registry.prune(name, integer('keep', options.keep, 0));
    print(`${name}: deleted ${deleted.length === 0 ? 'nothing' : deleted.map((v) => `v${v}`).join(', ')}`);
    return deleted;
  });
}
