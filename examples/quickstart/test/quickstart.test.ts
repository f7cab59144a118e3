import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('quickstart (npm run quickstart)', () => {
  it('prints recommendations for a new user, a user with history and an onboarded user', () => {
    const out = execFileSync(process.execPath, ['--conditions=@mycontent/source', '--import', 'tsx', 'src/main.ts', '--scale', 'tiny', '--seed', '3'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(out).toMatch(/A new user \(no history\)\s+\[cold-start/);
    expect(out).toMatch(/Recommendations for user \S+\s+\[personalized/);
    expect(out).toMatch(/A new user who chose category \S+ at onboarding\s+\[cold-start/);
    expect(out).toContain('served from the cache');
    expect(out).toMatch(/cold-start:preferred/);
    expect(out).toMatch(/A new article \(just-published, nobody has clicked it\) is similar to: \S+ \(content\)/);
    const rows = out.split('\n').filter((l) => /^\s+\d+\s+\S+\s+\S+\s+\d+\.\d{3}\s+\S+$/.test(l));
    expect(rows.length).toBe(15);
  });
});
