// Monaco's web workers are bundled beside console.js (build.mjs) and loaded from the service
// itself: no CDN and no blob: URLs, so the page works offline and under `worker-src 'self'`.
const WORKERS = { json: 'json.worker.js', graphql: 'graphql.worker.js' };

globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = WORKERS[label] ?? 'editor.worker.js';
    return new Worker(new URL(`./${file}`, import.meta.url), { type: 'module' });
  },
};
