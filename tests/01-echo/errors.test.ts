import { describe } from 'vitest';
import { graded } from '../support/graded.ts';
import { loadLab } from '../support/target.ts';
import lab from './lab.ts';

const { explainSocketError } = await loadLab<typeof import('../../labs/01-echo/errors.ts')>('01-echo', 'errors.ts');

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe(lab.title, () => {
  graded(lab.tests.explainsErrors, async (t) => {
    const cases = [
      { code: 'ECONNREFUSED', target: { host: '127.0.0.1', port: 5123 }, mustContain: ['refused', '127.0.0.1:5123'] },
      { code: 'EADDRINUSE', target: { host: '0.0.0.0', port: 5124 }, mustContain: ['in use', '5124'] },
      { code: 'ENOTFOUND', target: { host: 'no-such-host.invalid', port: 5000 }, mustContain: ['no-such-host.invalid', 'resolve'] },
      { code: 'EACCES', target: { host: '0.0.0.0', port: 80 }, mustContain: ['1024'] },
    ];
    for (const { code, target, mustContain } of cases) {
      const error = errnoError(code, `connect ${code} ${target.host}:${target.port}`);
      t.step(`called explainSocketError(<error with code ${code}>, ${JSON.stringify(target)})`);
      const line = explainSocketError(error, target);
      t.check(typeof line === 'string' && line.trim().length > 0, 'a non-empty string', () => JSON.stringify(line));
      t.check(!line.trim().includes('\n'), 'one line', () => JSON.stringify(line));
      for (const word of mustContain) {
        t.check(line.toLowerCase().includes(word.toLowerCase()), `the explanation of ${code} to mention ${JSON.stringify(word)}`, () => JSON.stringify(line));
      }
    }
  });
});
