// Lab 06: the relay on every core, as a program. The primary listens and keeps the names;
// --workers processes (default 2) hold the connections. Ctrl-C stops them all.
//
// Run it:  npx tsx labs/06-cluster/relay.ts [--host 0.0.0.0] [--port 5000] [--workers 2] [--idle-timeout 30]
import { fileURLToPath } from 'node:url';
import { runServerProgram } from '../02-framing/program.ts';
import { clientsWithinDescriptorLimit, IDLE_TIMEOUT_OPTION, idleTimeoutMsOf } from '../05-relay/relay.ts';
import { startClusterRelay } from './primary.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runServerProgram(async ({ host, port, extra }) => {
    const workers = Number(extra.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers takes a whole number of processes, at least 1 (got "${extra.workers}")`);
    const relay = await startClusterRelay({ host, port, workers, idleTimeoutMs: idleTimeoutMsOf(extra) });
    // The primary holds a connection only until a worker takes it: this bounds those on their
    // way, within its descriptors. Past it, Node closes a new one at once, and logRefusals logs it.
    relay.server.maxConnections = clientsWithinDescriptorLimit() ?? Infinity;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void relay.close().then(() => process.exit(0)));
    }
    return relay.server;
  }, { workers: '2', ...IDLE_TIMEOUT_OPTION });
}
