#!/usr/bin/env node
// Bundles the development console (src/main.jsx), GraphiQL and Monaco's workers into dist/,
// which gateway/console.py serves under /console/assets/. Run by `make console` (npm ci first).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist';
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: {
    console: 'src/main.jsx',
    'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
    'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
    'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
  },
  outdir: OUT,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  loader: { '.ttf': 'file' },
  // Stable names: the page links console.js and console.css; fonts keep a hash.
  assetNames: '[name]-[hash]',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
