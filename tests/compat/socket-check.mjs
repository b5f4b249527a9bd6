// Connects the real socket.io-client (what Immich's web app, e2e tests and, in Dart, the mobile
// app use) to the server's live events channel and prints one line per thing that happens, for
// crates/ferrotype/tests/events.rs to read while it drives the HTTP side:
//
//   REFUSED <label> <connect_error message>     a connection the server turned down
//   CONNECTED <label> <transport>               a connection accepted (transport in use)
//   EVENT <label> <event> <arguments as JSON>   an event a socket received
//   DISCONNECTED <label> <reason>               the server closed a socket
//   READY                                       every socket below has connected or been refused
//
// Input: FERROTYPE_URL (the server), FERROTYPE_COMPAT (where scripts/setup-compat installed the
// packages) and FERROTYPE_SOCKETS, a JSON array of {label, transport: "websocket"|"polling",
// headers}. Runs until stdin closes.

import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.join(process.env.FERROTYPE_COMPAT, 'package.json'));
const client = await import(pathToFileURL(require.resolve('socket.io-client')).href);
const io = client.io ?? client.default?.io ?? client.default;

const url = process.env.FERROTYPE_URL;
const plans = JSON.parse(process.env.FERROTYPE_SOCKETS);
const out = (line) => process.stdout.write(`${line}\n`);

const connect = (plan) =>
  new Promise((resolve) => {
    const socket = io(url, {
      path: '/api/socket.io',
      transports: [plan.transport],
      extraHeaders: plan.headers,
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve(socket);
      }
    };
    socket.onAny((event, ...args) => out(`EVENT ${plan.label} ${event} ${JSON.stringify(args)}`));
    socket.on('connect', () => {
      out(`CONNECTED ${plan.label} ${socket.io.engine.transport.name}`);
      settle();
    });
    socket.on('connect_error', (error) => {
      out(`REFUSED ${plan.label} ${error.message}`);
      socket.close();
      settle();
    });
    socket.on('disconnect', (reason) => out(`DISCONNECTED ${plan.label} ${reason}`));
  });

const sockets = await Promise.all(plans.map(connect));
out('READY');

// The test closes stdin when it has seen what it waited for.
const input = createInterface({ input: process.stdin });
input.on('close', () => {
  for (const socket of sockets) {
    socket.close();
  }
  process.exit(0);
});
