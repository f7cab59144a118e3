/** The stream worker (and the repository's other scripts) as child processes, for the tests that kill them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const until = async (check: () => boolean | Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** A process of this repository's (a `.ts` script run from the root), its JSON lines collected as they come. */
export function runScript(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; lines: Record<string, unknown>[] } {
  const child = spawn(process.execPath, ['--conditions=@mycontent/source', '--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>); // other lines are for people
    }
  });
  return { child, lines };
}

/** A worker on the test's schema and prefix (plus `extra` options), its JSON lines collected as they come. */
export function startWorker(schema: string, prefix: string, extra: string[] = []): { child: ChildProcess; lines: Record<string, unknown>[] } {
  return runScript('examples/stream-worker/src/worker.ts', [
    '--postgres', `${process.env.MYCONTENT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'}`,
    '--redis', process.env.MYCONTENT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    '--schema', schema, '--prefix', prefix, '--claim-idle-ms', '1000', '--health-ms', '200', '--batch', '500', ...extra,
  ]);
}
