import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODEL_CARD = path.resolve(here, '../models/realtone-wavlm-small/MODEL_CARD.md');
/** Where `npm run dev:web` sends /v1 (the local stack started with `npm start`). */
const API = process.env.REALTONE_API ?? 'http://127.0.0.1:3000';

/**
 * The default model's card ships with the app as /model-card.md (the app's /model page shows it), so the honest
 * note about what the model can and cannot detect links to the card of the very model it describes. In dev the
 * server answers /config.json as the local stack does (same origin: the API is proxied).
 */
function appFiles(): Plugin {
  return {
    name: 'realtone-app-files',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'model-card.md', source: readFileSync(MODEL_CARD, 'utf8') });
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (req.url === '/model-card.md') {
          res.setHeader('content-type', 'text/markdown; charset=utf-8');
          res.end(readFileSync(MODEL_CARD, 'utf8'));
        } else if (req.url === '/config.json') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ apiOrigin: '' }));
        } else next();
      });
    },
  };
}

export default defineConfig({
  root: here,
  plugins: [react(), appFiles()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/v1': { target: API } },
  },
});
