// Builds the web feed (examples/web-feed) into its dist/, unless the build there is newer than
// every file it is made from: `npm start` then starts at once, and a service already serving
// that build is not handed a half-written directory.
//   node scripts/build-web.mjs [--force]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('../examples/web-feed/', import.meta.url));
const built = join(app, 'dist', 'index.html');
const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((p) => join(app, p));

/** The newest modification time under `path` (a file or a directory), ms. */
function newest(path) {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), info.mtimeMs);
}

const builtAt = statSync(built, { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (!process.argv.includes('--force') && builtAt > Math.max(...inputs.map(newest))) {
  process.stderr.write('web feed: the build in examples/web-feed/dist is up to date\n');
} else {
  const result = spawnSync('npm', ['run', '--silent', 'build', '-w', '@mycontent/example-web-feed'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
