// The relay program: what a person runs. Its workers are real tsx processes, as in use.
import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { LOOPBACK } from '../support/net.ts';
import { runProgram } from '../support/programs.ts';
import { registerAs } from '../support/relay-protocol.ts';
import { childrenOf, isRunning } from '../../tools/shared/proc.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  graded(
    lab.tests.program,
    async (t) => {
      const relay = runProgram(
        t,
        '06-cluster',
        'relay.ts',
        ['--host', LOOPBACK, '--port', '0', '--workers', '2'],
        'your relay program',
      );
      const [, port] = await relay.waitForLine(
        /^listening on 127\.0\.0\.1:(\d+)$/,
        15_000,
        'the line "listening on 127.0.0.1:PORT"',
      );
      const alice = await registerAs(t, Number(port), 'alice');
      const bob = await registerAs(t, Number(port), 'bob');
      await alice.ask('SEND bob hi', 'OK SEND bob');
      await bob.readLine(5000, 'bob to receive "MSG alice hi"');
      // Its own children: a worker run by tsx may have children of its own (esbuild's service).
      const workers = childrenOf((await relay.pid())!);
      t.step(`the relay runs ${workers.length} worker process(es): pids ${workers.join(', ')}`);
      t.check(workers.length === 2, 'two worker processes under the relay', () => `${workers.length}`);
      await relay.signal('SIGINT');
      await relay.waitForExit(5000, 'the relay to exit after Ctrl-C');
      const left = workers.filter(isRunning);
      t.check(
        left.length === 0,
        'no worker left running after the relay exits',
        () => `still running: pids ${left.join(', ')}`,
      );
    },
    { concurrent: true },
  );
});
