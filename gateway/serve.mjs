#!/usr/bin/env node
// Development / test federation gateway: Apollo Gateway (query planner and
// executor) inside Apollo Server 5, serving a supergraph composed by
// compose.mjs. Production runs Apollo Router with router.yaml instead.
//
//   node gateway/serve.mjs --supergraph supergraph.graphql [--port 4000] [--host 127.0.0.1]
//
// * POST /graphql (Apollo Server's CSRF prevention stays on: POST with
//   Content-Type: application/json is fine, "simple" requests are refused).
// * The client's Authorization header is copied onto every subgraph request
//   (including _entities fetches); other client headers are not forwarded.
// * Apollo Gateway drops the subgraphs' response extensions. Their
//   `extensions.privacy` reports (what masking did) are collected per request
//   and returned merged (privacy-report.mjs); no other extension is passed on.
// * Prints exactly one line "gateway listening on http://HOST:PORT/graphql"
//   on stdout once it accepts requests; logs go to stderr.
// * SIGTERM / SIGINT: stops accepting, drains in-flight requests, exits 0.
//
// Exit codes: 0 clean stop, 1 supergraph rejected / server failure, 2 usage.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { mergePrivacyReports } from './privacy-report.mjs';

const USAGE = 'usage: node serve.mjs --supergraph FILE [--port 4000] [--host 127.0.0.1]';

function fail(message, code = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { supergraph: null, port: 4000, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) fail(`${arg} needs a value\n${USAGE}`);
      return argv[(i += 1)];
    };
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === '--supergraph') {
      opts.supergraph = next();
    } else if (arg === '--port') {
      const port = Number(next());
      if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port\n${USAGE}`);
      opts.port = port;
    } else if (arg === '--host') {
      opts.host = next();
    } else {
      fail(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  if (!opts.supergraph) fail(USAGE);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

let supergraphSdl;
try {
  supergraphSdl = readFileSync(opts.supergraph, 'utf8');
} catch (err) {
  fail(`cannot read supergraph ${opts.supergraph}: ${err.message}`);
}

// Log to stderr only, so stdout carries just the "listening" line.
const logger = {
  debug() {},
  info(...args) { console.error(...args); },
  warn(...args) { console.error(...args); },
  error(...args) { console.error(...args); },
};

class AuthForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context?.authorization) {
      request.http.headers.set('authorization', context.authorization);
    }
  }

  didReceiveResponse({ response, context }) {
    const privacy = response?.extensions?.privacy;
    if (privacy !== undefined && Array.isArray(context?.privacyReports)) {
      context.privacyReports.push(privacy);
    }
    return response;
  }
}

// Puts the merged privacy report of the request's subgraph fetches on the response.
const privacyReportPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        const merged = mergePrivacyReports(contextValue.privacyReports ?? []);
        if (merged === null) return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, privacy: merged };
      },
    };
  },
};

const gateway = new ApolloGateway({
  supergraphSdl,
  logger,
  buildService: ({ url }) => new AuthForwardingDataSource({ url }),
});

const server = new ApolloServer({
  gateway,
  logger,
  plugins: [privacyReportPlugin],
  // Never leak gateway file paths / stack traces to API clients.
  includeStacktraceInErrorResponses: false,
  // We handle signals ourselves so that the process exits 0 after draining.
  stopOnTerminationSignals: false,
});

// startStandaloneServer does not turn listen errors (EADDRINUSE, EACCES) into
// a rejected promise: the http server emits them as an unhandled 'error'.
const onStartupError = (err) => fail(`gateway failed to start: ${err?.message ?? err}`, 1);
process.once('uncaughtException', onStartupError);
let url;
try {
  ({ url } = await startStandaloneServer(server, {
    listen: { host: opts.host, port: opts.port },
    context: async ({ req }) => ({ authorization: req.headers.authorization, privacyReports: [] }),
  }));
} catch (err) {
  onStartupError(err);
}
process.off('uncaughtException', onStartupError);

const port = new URL(url).port;
const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
process.stdout.write(`gateway listening on http://${shownHost}:${port}/graphql\n`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`gateway: ${signal} received, stopping\n`);
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
    await server.stop();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`gateway: error while stopping: ${err?.message ?? err}\n`);
    process.exit(1);
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
