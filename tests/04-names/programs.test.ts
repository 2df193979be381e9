// End-to-end: the server program as a separate process, driven the way nc -C or telnet does.
import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { runProgram } from '../support/programs.ts';
import { LOOPBACK, Peer } from '../support/net.ts';
import lab from './lab.ts';

const WAIT_MS = 10_000;

describe(lab.title, () => {
  graded(
    lab.tests.serverProgram,
    async (t) => {
      const server = runProgram(t, '04-names', 'server.ts', ['--host', LOOPBACK, '--port', '0']);
      const [, port] = await server.waitForLine(
        /^listening on 127\.0\.0\.1:(\d+)$/,
        WAIT_MS,
        'a line "listening on 127.0.0.1:PORT"',
      );
      const peer = await Peer.connect(t, Number(port), 'a telnet-like client');
      peer.send('NAME dave\r\nLIST\r\n');
      const first = await peer.readLine(WAIT_MS, 'the reply "OK NAME dave"');
      t.check(first === 'OK NAME dave', 'the reply "OK NAME dave" (the "\\r" is not part of the name)', () =>
        JSON.stringify(first),
      );
      const second = await peer.readLine(WAIT_MS, 'the reply "NAMES dave"');
      t.check(second === 'NAMES dave', 'the reply "NAMES dave"', () => JSON.stringify(second));
      await peer.ask('QUIT\r', 'BYE');
    },
    { concurrent: true },
  );
});
