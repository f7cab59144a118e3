import { defineConfig } from 'tsup';

const shared = { dts: true, sourcemap: true, target: 'node20', treeshake: true, external: ['vitest'] } as const;

// The conformance suite is ESM only, as vitest is (it cannot be required).
export default defineConfig([
  { ...shared, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'] },
  { ...shared, entry: { 'testing/index': 'src/testing/index.ts' }, format: ['esm'] },
]);
