import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MyContentError } from '@mycontent/core';

/**
 * Where the command was run: npm runs a workspace's script in the workspace's folder, and says
 * where it was invoked in `INIT_CWD`. Relative paths are read from there, as a user expects.
 */
export const invokedFrom = process.env.INIT_CWD ?? process.cwd();

/** A path given on the command line, absolute. */
export function fromInvocation(path: string): string {
  return resolve(invokedFrom, path);
}

function fail(option: string, path: string, why: string, code: 'NOT_FOUND' | 'INVALID_INPUT' = 'INVALID_INPUT'): never {
  throw new MyContentError(code, `--${option} ${path}: ${why}`, { source: 'cli', field: option, value: path });
}

/** An input file that must exist and be a file (not a directory). */
export async function inputFile(option: string, path: string): Promise<string> {
  const absolute = fromInvocation(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) fail(option, path, 'no such file', 'NOT_FOUND');
  if (!info.isFile()) fail(option, path, 'is a directory, not a file');
  return absolute;
}

/** An input file or directory that must exist. */
export async function inputPath(option: string, path: string): Promise<string> {
  const absolute = fromInvocation(path);
  if (!(await stat(absolute).catch(() => undefined))) fail(option, path, 'no such file or directory', 'NOT_FOUND');
  return absolute;
}

/** An output file, checked before any work: its folder exists, and it is not a directory. */
export async function outputFile(option: string, path: string): Promise<string> {
  const absolute = fromInvocation(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info?.isDirectory()) fail(option, path, 'is a directory: name a file');
  const folder = await stat(dirname(absolute)).catch(() => undefined);
  if (!folder?.isDirectory()) fail(option, path, `its folder ${dirname(absolute)} does not exist`, 'NOT_FOUND');
  return absolute;
}

/** An output directory: created when missing, refused when a file is in the way. */
export async function outputDirectory(option: string, path: string): Promise<string> {
  const absolute = fromInvocation(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info && !info.isDirectory()) fail(option, path, 'is a file: name a directory');
  return absolute;
}
