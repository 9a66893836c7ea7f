#!/usr/bin/env node
// Compose subgraph SDL files into an Apollo Federation 2 supergraph with the
// pinned @apollo/composition (the same composition library that Rover and
// GraphOS use), so the output loads in both @apollo/gateway (serve.mjs) and
// Apollo Router (router.yaml).
//
//   node gateway/compose.mjs --out supergraph.graphql \
//     accounts=schema/accounts.graphql telemetry=schema/telemetry.graphql \
//     support=schema/support.graphql@http://support:4003/graphql
//
// Each positional argument is NAME=SDLFILE or NAME=SDLFILE@URL. URL is the
// subgraph's routing url written into the supergraph; it defaults to
// http://127.0.0.1:4001/graphql for accounts, :4002 for telemetry, :4003 for
// support (any other name: 4001 + its position among the arguments).
//
// Options:
//   --out FILE   write the supergraph here (atomically); default: stdout
//   --hints      also print composition hints to stderr
//
// Exit codes: 0 composed, 1 composition failed (each error message printed to
// stderr), 2 usage / unreadable or unparsable SDL file.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';

const DEFAULT_PORTS = { accounts: 4001, telemetry: 4002, support: 4003 };

const USAGE =
  'usage: node compose.mjs [--out FILE] [--hints] NAME=SDLFILE[@URL] [NAME=SDLFILE[@URL] ...]';

function fail(message, code = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { out: null, hints: false, subgraphs: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg === '--out' || arg === '-o') {
      if (i + 1 >= argv.length) fail(`${arg} needs a file name\n${USAGE}`);
      opts.out = argv[(i += 1)];
    } else if (arg.startsWith('--out=')) {
      opts.out = arg.slice('--out='.length);
    } else if (arg === '--hints') {
      opts.hints = true;
    } else if (arg.startsWith('-')) {
      fail(`unknown option ${arg}\n${USAGE}`);
    } else {
      const eq = arg.indexOf('=');
      if (eq <= 0 || eq === arg.length - 1) fail(`expected NAME=SDLFILE[@URL], got ${arg}\n${USAGE}`);
      const name = arg.slice(0, eq);
      const rest = arg.slice(eq + 1);
      // Split on the last "@" that starts an http(s) url, so paths containing "@" still work.
      const m = /^(.*)@(https?:\/\/[^@\s]+)$/.exec(rest);
      const file = m ? m[1] : rest;
      const position = opts.subgraphs.length;
      const url = m ? m[2] : `http://127.0.0.1:${DEFAULT_PORTS[name] ?? 4001 + position}/graphql`;
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) fail(`invalid subgraph name ${JSON.stringify(name)}`);
      if (opts.subgraphs.some((s) => s.name === name)) fail(`subgraph ${name} given twice`);
      opts.subgraphs.push({ name, file, url });
    }
  }
  if (opts.subgraphs.length === 0) fail(USAGE);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

const services = opts.subgraphs.map(({ name, file, url }) => {
  let sdl;
  try {
    sdl = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read SDL for subgraph ${name} from ${file}: ${err.message}`);
  }
  try {
    return { name, url, typeDefs: parse(sdl) };
  } catch (err) {
    return fail(`invalid SDL for subgraph ${name} in ${file}: ${err.message}`);
  }
});

const result = composeServices(services);

if (result.errors) {
  for (const error of result.errors) process.stderr.write(`${error.message}\n`);
  process.stderr.write(`composition failed with ${result.errors.length} error(s)\n`);
  process.exit(1);
}

if (opts.hints) {
  for (const hint of result.hints) {
    process.stderr.write(`hint [${hint.definition.code}]: ${hint.message}\n`);
  }
}

// Features linked `for: SECURITY` (@authenticated, @requiresScopes, @policy)
// compose fine, but @apollo/gateway (serve.mjs) refuses to load such a
// supergraph, and Apollo Router needs a GraphOS license for them. Warn now
// instead of failing later at gateway startup.
for (const m of result.supergraphSdl.matchAll(/@link\(url: "([^"]+)"[^)]*for: SECURITY/g)) {
  process.stderr.write(
    `warning: supergraph links ${m[1]} (for: SECURITY): gateway/serve.mjs will refuse it ` +
      'and Apollo Router needs a GraphOS license for it\n',
  );
}

const supergraph = result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
if (opts.out) {
  const target = path.resolve(opts.out);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  writeFileSync(tmp, supergraph);
  renameSync(tmp, target);
} else {
  process.stdout.write(supergraph);
}
