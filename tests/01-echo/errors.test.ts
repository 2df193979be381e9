import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import lab from './lab.ts';

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

// Port numbers here are only text in made-up errors: this test opens no socket.
const REFUSED_PORT = 5123;
const BUSY_PORT = 5124;
const PRIVILEGED_PORT = 80;

describe(lab.title, () => {
  graded(lab.tests.explainsErrors, async (t) => {
    const { explainSocketError } = await t.lab<typeof import('../../labs/01-echo/errors.ts')>('01-echo', 'errors.ts');
    const cases = [
      {
        code: 'ECONNREFUSED',
        target: { host: '127.0.0.1', port: REFUSED_PORT },
        mustContain: ['refused', `127.0.0.1:${REFUSED_PORT}`],
      },
      { code: 'EADDRINUSE', target: { host: '0.0.0.0', port: BUSY_PORT }, mustContain: ['in use', String(BUSY_PORT)] },
      {
        code: 'ENOTFOUND',
        target: { host: 'no-such-host.invalid', port: REFUSED_PORT },
        mustContain: ['no-such-host.invalid', 'resolve'],
      },
      // The name service itself failed (an offline laptop): the same advice as ENOTFOUND.
      {
        code: 'EAI_AGAIN',
        target: { host: 'chat.example.org', port: REFUSED_PORT },
        message: 'getaddrinfo EAI_AGAIN chat.example.org',
        mustContain: ['chat.example.org', 'resolve'],
      },
      { code: 'EACCES', target: { host: '0.0.0.0', port: PRIVILEGED_PORT }, mustContain: ['1024'] },
      // Anything else: the error's own message, on one line (never its stack).
      {
        code: 'ECONNRESET',
        target: { host: '127.0.0.1', port: REFUSED_PORT },
        message: 'read ECONNRESET',
        mustContain: ['read ECONNRESET'],
      },
    ];
    for (const { code, target, message, mustContain } of cases) {
      const error = errnoError(code, message ?? `connect ${code} ${target.host}:${target.port}`);
      t.step(
        `called explainSocketError(<error with code ${code}${message ? ` and message ${JSON.stringify(message)}` : ''}>, ${JSON.stringify(target)})`,
      );
      const line = await explainSocketError(error, target);
      t.check(typeof line === 'string' && line.trim().length > 0, 'a non-empty string', () => JSON.stringify(line));
      t.check(!line.trim().includes('\n'), `the explanation of ${code} on one line, with no stack trace`, () =>
        JSON.stringify(line),
      );
      for (const word of mustContain) {
        t.check(
          line.toLowerCase().includes(word.toLowerCase()),
          `the explanation of ${code} to mention ${JSON.stringify(word)}`,
          () => JSON.stringify(line),
        );
      }
      // A code the lab explains gets a sentence, not Node's own terse message back; any other
      // error gets exactly its message (no "Error: " in front, no stack).
      if (code === 'ECONNRESET')
        t.check(
          line.trim() === error.message,
          `exactly the error's own message, ${JSON.stringify(error.message)}`,
          () => JSON.stringify(line),
        );
      else
        t.check(
          line.trim() !== error.message,
          `an explanation of ${code} in your words, not Node's message ${JSON.stringify(error.message)} repeated`,
          () => JSON.stringify(line),
        );
    }
  });
});
