// Starts the student's relay in this test's student host, on 127.0.0.1, port 0.
import type { Trace } from '../support/graded.ts';
import type { RemoteInstance } from '../support/host.ts';
import type { Supervisor } from '../../tools/sandbox/harness.ts';
import { LOOPBACK, superviseServer } from '../support/net.ts';

export interface StartedRelay {
  port: number;
  /** Watches the relay's connections: `await supervisor.maxQueued()` is the most it queued for one. */
  supervisor: RemoteInstance<Supervisor>;
}

export async function startStudentRelay(t: Trace, { sampleQueues = false, idleTimeoutMs }: { sampleQueues?: boolean; idleTimeoutMs?: number } = {}): Promise<StartedRelay> {
  const { startRelay } = await t.lab<typeof import('../../labs/05-relay/relay.ts')>('05-relay', 'relay.ts');
  const idle = idleTimeoutMs === undefined ? '' : `, idleTimeoutMs: ${idleTimeoutMs}`;
  t.step(`started your relay: startRelay({ host: "${LOOPBACK}", port: 0${idle}, log })`);
  const options = { host: LOOPBACK, port: 0, log: () => {}, ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }) };
  const server = await t.within(startRelay(options), 5000,
    'startRelay to resolve once listening', () => 'its promise has not settled');
  return superviseServer(t, server, { sampleQueues });
}
