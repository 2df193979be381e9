// Starts the student's relay in-process for a test, on 127.0.0.1, port 0.
import type net from 'node:net';
import type { Trace } from '../support/graded.ts';
import { loadLab } from '../support/target.ts';
import { LOOPBACK, portOf, superviseServer } from '../support/net.ts';

export interface StartedRelay {
  port: number;
  /** The relay's side of every connection it accepted (to watch what it queues). */
  connections: Set<net.Socket>;
}

export async function startStudentRelay(t: Trace): Promise<StartedRelay> {
  // Loaded per call, not at module load: a worker may run the test files of several targets.
  const { startRelay } = await loadLab<typeof import('../../labs/05-relay/relay.ts')>('05-relay', 'relay.ts');
  t.step(`started your relay: startRelay({ host: "${LOOPBACK}", port: 0, log })`);
  const server = await t.within(startRelay({ host: LOOPBACK, port: 0, log: () => {} }), 5000,
    'startRelay to resolve once listening', () => 'its promise has not settled');
  const connections = superviseServer(t, server);
  return { port: portOf(server), connections };
}
