import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'eval/index': 'src/eval/index.ts', 'data/index': 'src/data/index.ts', 'internal/index': 'src/internal/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  treeshake: true,
  // One copy of each module across entry points, in CommonJS too: classes such as
  // MyContentError and ItemCatalog keep one identity whichever subpath loads them.
  splitting: true,
});
