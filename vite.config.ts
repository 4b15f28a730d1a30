import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console: sources in src/web, built into dist/web, which the server serves on its own port.
// `npm run dev` runs this dev server (hot reload) in front of the API server, proxying every server path.
const apiTarget = `http://127.0.0.1:${process.env.TESSERA_DEV_API_PORT ?? process.env.PORT ?? 8080}`;
const serverPaths = ['/api', '/auth', '/scim', '/metrics', '/healthz', '/readyz'];

export default defineConfig({
  root: 'src/web',
  // Relative to root: the repository's public/ (demo avatars, favicon), copied as is into the build.
  publicDir: '../../public',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    port: Number(process.env.TESSERA_DEV_PORT ?? 5173),
    strictPort: true,
    // The Host header is kept (no changeOrigin): the server's same-origin check compares it with Origin.
    proxy: Object.fromEntries(serverPaths.map((path) => [path, { target: apiTarget }])),
  },
});
