import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/ and served by the REST service at /app/ (same origin: the API's cookies apply).
export default defineConfig({
  base: '/app/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/metrics': 'http://127.0.0.1:3000' } },
});
