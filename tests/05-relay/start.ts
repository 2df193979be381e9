// Starts the student's relay in this test's student host, on 127.0.0.1, port 0.
import type net from 'node:net';
import type { Trace } from '../support/graded.ts';
import type { RemoteInstance } from '../support/host.ts';
import type { Supervisor } from '../../tools/grader/sandbox/harness.ts';
import { LOOPBACK, superviseServer } from '../support/net.ts';
import { givenLimits, type RelayStartOptions } from '../support/protocol-conformance.ts';

export interface StartedRelay {
  port: number;
  /** The relay's server, in the student host: a test may make it emit what the system would. */
  server: RemoteInstance<net.Server>;
  /** Watches the relay's connections: `await supervisor.maxQueued()` is the most it queued for one. */
  supervisor: RemoteInstance<Supervisor>;
}

export async function startStudentRelay(
  t: Trace,
  { sampleQueues = false, ...options }: { sampleQueues?: boolean } & RelayStartOptions = {},
): Promise<StartedRelay> {
  const { limits, shown } = givenLimits(options);
  const { startRelay } = await t.lab<typeof import('../../labs/05-relay/relay.ts')>('05-relay', 'relay.ts');
  t.step(`started your relay: startRelay({ host: "${LOOPBACK}", port: 0${shown}, log })`);
  const server = await t.within(
    startRelay({ host: LOOPBACK, port: 0, log: () => {}, ...limits }),
    5000,
    'startRelay to resolve once listening',
    () => 'its promise has not settled',
  );
  return { ...(await superviseServer(t, server, { sampleQueues })), server };
}
