import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Every line of every `sh` block of the README and the command-line guide, run as written from the
// repository root, in order: a command a newcomer copies must work. Lines that are not commands to
// run here are named below with the reason.
const root = join(import.meta.dirname, '..');
const documents = ['README.md', 'docs/cli.md'];
const notRunHere: { pattern: RegExp; why: string }[] = [
  { pattern: /^npm install\b/, why: 'the test runs on an installed tree' },
  { pattern: /^npm test\b/, why: 'this is npm test' },
  { pattern: /example-stream-worker/, why: 'a long-running worker on PostgreSQL and Redis: examples/stream-worker/test runs it' },
];

// `npm start` serves until stopped: it is started with PORT=0 (any free port), must print its
// address, answer on it, and stop cleanly on SIGTERM sent to its process group (as Ctrl-C or a
// process manager does: npm does not pass a signal on to the server it started).
const servers = [/^npm start$/];

/** Starts `command`, waits for its `{"type":"started","url":...}` line, probes the API, stops it. */
async function serveAndStop(command: string, env: NodeJS.ProcessEnv): Promise<{ startMs: number }> {
  const started = Date.now();
  const child = spawn('bash', ['-c', `exec ${command}`], { cwd: root, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "started" line within 120 s\n${output.slice(-3000)}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"type":"started","url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving\n${output.slice(-3000)}`)));
  });
  const startMs = Date.now() - started;
  try {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const trending = await fetch(`${url}/api/v1/articles/trending?n=3`);
    expect(trending.status).toBe(200);
    expect(((await trending.json()) as { items: unknown[] }).items).toHaveLength(3);
  } finally {
    // 'close': every process holding the output has exited, the server included.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    process.kill(-child.pid!, 'SIGTERM');
    await closed;
  }
  expect(output).toContain('{"type":"stopped","signal":"SIGTERM"}');
  return { startMs };
}

function commandsOf(document: string): string[] {
  const text = readFileSync(join(root, document), 'utf8');
  const lines: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let pending = '';
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trimEnd(); // comments after a command
      if (line.endsWith('\\')) {
        pending += `${line.slice(0, -1)} `;
        continue;
      }
      const command = (pending + line).trim();
      pending = '';
      if (command !== '' && !command.startsWith('#')) lines.push(command);
    }
  }
  return lines;
}

// The data directory the documents write to: removed afterwards when the test made it.
const dataDir = join(root, 'data');
const hadData = existsSync(dataDir);
afterAll(async () => {
  if (!hadData) await rm(dataDir, { recursive: true, force: true });
});

describe.sequential('the documents’ commands, run from the repository root', () => {
  for (const document of documents) {
    for (const command of commandsOf(document)) {
      const skipped = notRunHere.find((n) => n.pattern.test(command));
      it.skipIf(skipped !== undefined)(`${document}: ${command}${skipped ? ` (not run here: ${skipped.why})` : ''}`, async () => {
        // npm says where it was run (INIT_CWD) on its own, as for a user at the root; and a user's
        // shell has no NODE_ENV=test (vitest's), which would make `npm start` build the web feed in
        // development mode.
        const { INIT_CWD: _, NODE_ENV: _mode, ...env } = process.env;
        if (servers.some((pattern) => pattern.test(command))) {
          const { startMs } = await serveAndStop(command, env);
          console.log(`${command}: serving after ${(startMs / 1000).toFixed(1)} s`);
          return;
        }
        const result = spawnSync('bash', ['-c', command], { cwd: root, encoding: 'utf8', env, timeout: 600_000, maxBuffer: 1 << 26 });
        if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stderr.slice(-3000)}`);
        expect(result.status).toBe(0);
      }, 600_000);
    }
  }
});
