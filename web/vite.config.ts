// Two pages: the storefront (index.html) and the offline GraphQL IDE (graphiql.html), which
// the gateway serves in development only. Each is its own entry, so GraphiQL never weighs
// on the storefront's first load (scripts/report-size.ts checks that).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // GraphiQL's own page is large (the IDE); the storefront's budget is checked by report-size.ts.
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        graphiql: resolve(import.meta.dirname, 'graphiql.html'),
      },
    },
  },
  // `npm run dev -w @recgraph/web` against a gateway on :4000 (npm start).
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true },
      '/images': 'http://127.0.0.1:4000',
      '/dev/token': 'http://127.0.0.1:4000',
    },
  },
});
