// docs/protocol.md as a contract, checked against the student's relay (the suite is shared:
// tests/support/protocol-conformance.ts).
import { describe } from 'vitest';
import { registerConformanceTests } from '../support/protocol-conformance.ts';
import { startStudentRelay } from './start.ts';
import lab from './lab.ts';

describe(lab.title, () => {
  registerConformanceTests(lab.tests, async (t, { idleTimeoutMs }) => (await startStudentRelay(t, { idleTimeoutMs })).port);
});
