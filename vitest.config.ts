import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (the `@mycontent/source`
// export condition), so no build is needed to test. Not the bundlers' `module` condition: Node
// loads the dependencies as it would in production (e.g. @opentelemetry/api's CommonJS build,
// whose ES build Node cannot load).
const conditions = ['@mycontent/source', ...defaultServerConditions.filter((c) => c !== 'module')];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@mycontent/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
