// docs/protocol.md as a contract, checked against the student's relay (the suite is shared:
// tests/support/protocol-conformance.ts). The lines, commands, names and lists here; the
// rules that need many clients or time in conformance-load.test.ts, so the two run side by side.
import { describe } from 'vitest';
import { registerConformanceTests } from '../support/protocol-conformance.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  registerConformanceTests(lab.tests, async (t, options) => (await startStudentRelay(t, options)).port, [
    'conformLines',
    'conformCommands',
    'conformNames',
    'conformList',
    'conformQuitQueued',
  ]);
});
