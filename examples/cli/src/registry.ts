import pg from 'pg';
import { MyContentError, type ModelRegistry } from '@mycontent/core';
import { createFileModelRegistry } from '@mycontent/adapters/fs';
import { createPostgresModelRegistry } from '@mycontent/adapters/postgres';
import { fromInvocation } from './paths';

/** Where the model versions live: a directory (`--registry`) or a PostgreSQL database (`--postgres`). */
export interface RegistryOptions {
  registry?: string;
  postgres?: string;
  schema: string;
}

/** Opens the registry the options name (exactly one of `--registry` and `--postgres`); `close` releases it. */
export function openRegistry(options: RegistryOptions): { registry: ModelRegistry; where: string; close: () => Promise<void> } {
  if ((options.registry === undefined) === (options.postgres === undefined)) {
    throw new MyContentError('INVALID_INPUT', 'name the model registry: --registry <directory> or --postgres <url> (one of them)', { source: 'cli', field: 'registry' });
  }
  if (options.registry !== undefined) {
    const directory = fromInvocation(options.registry);
    return { registry: createFileModelRegistry({ directory }), where: directory, close: async () => undefined };
  }
  const pool = new pg.Pool({ connectionString: options.postgres, max: 2 });
  return {
    registry: createPostgresModelRegistry({ pool, schema: options.schema }),
    where: `${new URL(options.postgres!).host}/${options.schema}`,
    close: () => pool.end(),
  };
}
