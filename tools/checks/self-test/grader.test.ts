// The grader itself: student code that loops forever, throws on import, leaks a server or
// leaves a process behind is reported as exactly that, within the time limit, and nothing
// it started survives the grade. (Hostile code is tried in attacks.test.ts.)
import { describe, test } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradeLab, requiredLabsNote, sharedCause, type TestOutcome } from '../../grader/run-lab.ts';
import { findCause, ONE_AT_A_TIME, sectionOfLine } from '../../grader/causes.ts';
import { formatSummary } from '../../grader/report.ts';
import { unsupportedNode } from '../../shared/node-version.ts';
import { REPO_ROOT } from '../../grader/lab.ts';
import { buildVariant } from '../variants.ts';
import { labsFolderOf, resolveTarget } from '../../grader/target.ts';
import { labs, processesTesting, removeDir } from './helpers.ts';

const echo = labs.find((lab) => lab.slug === '01-echo')!;
const relay = labs.find((lab) => lab.slug === '05-relay')!;
/** A failed test whose message reads as graded() writes it. */
const failing = (name: string, got: string, extra: Partial<TestOutcome> = {}): TestOutcome => ({
  key: name,
  name,
  status: 'failed',
  points: 0,
  maxPoints: 2,
  hint: '',
  section: `Section ${name}`,
  message: `Steps:\n  1. x\nExpected: y\nGot:      ${got}`,
  ...extra,
});
const START_OF_SERVER = 'const server = net.createServer((socket) => {';

async function gradePatched(
  patch: { file: string; find: string; replace: string },
  timeLimitMs: number,
  only?: string[],
) {
  const target = buildVariant(echo.slug, [patch], 'grader fixture');
  try {
    const started = Date.now();
    const result = await gradeLab(echo, { target, timeLimitMs, only });
    return { result, elapsedMs: Date.now() - started, leftBehind: processesTesting(target) };
  } finally {
    removeDir(target);
  }
}

describe('the grader', () => {
  test('refuses, in one line that says what to install, the Node.js versions vitest 4 cannot run on', ({ expect }) => {
    for (const old of ['18.20.4', '20.18.1', '22.11.0', '21.7.3'])
      expect(unsupportedNode(old)).toMatch(/needs Node\.js 22\.12 or newer .*nodejs\.org/);
    for (const fine of ['20.19.0', '22.12.0', '24.11.1', '26.0.0']) expect(unsupportedNode(fine)).toBeUndefined();
  });

  test('when most failures share one cause, a note names it first with the section to read (ports and counts aside)', ({
    expect,
  }) => {
    const tests = [
      failing('a', 'nothing received on port 4001'),
      failing('b', 'nothing received on port 4002'),
      failing('c', 'nothing received on port 4003'),
      failing('d', 'something else'),
    ];
    expect(sharedCause('01-echo', tests)).toMatch(
      /^3 tests fail for the same reason, so fix that first: nothing received on port 4001\n.*"a": read labs\/01-echo\/README\.md, section "Section a"/,
    );
    expect(sharedCause('01-echo', tests.slice(2))).toBeUndefined();
  });

  test('when tests fail inside a lab this one requires, a note says to finish that lab first', ({ expect }) => {
    const relay = labs.find((lab) => lab.slug === '05-relay')!;
    const failing = (message: string): TestOutcome => ({
      key: 'k',
      name: 'n',
      status: 'failed',
      points: 0,
      maxPoints: 4,
      hint: '',
      section: '',
      message,
    });
    expect(
      requiredLabsNote(relay, [
        failing('Your code threw: Error: not implemented yet — see labs/02-framing/README.md, section "x"'),
      ]),
    ).toBe(
      'Lab 05 runs your code from lab 02, and tests here fail inside it: finish lab 02 first (npm run grade -- 02).',
    );
    expect(requiredLabsNote(relay, [failing('Expected: a\nGot:      b')])).toBeUndefined();
  });

  test("finds a submission's lab folders by one rule, for --target, grade-batch and Gradescope alike", ({ expect }) => {
    const root = mkdtempSync(join(tmpdir(), 'layouts-'));
    try {
      const layouts = { repository: 'repo/labs', labsAlone: 'labs-alone', zippedWithTopFolder: 'zip/sockets-lab/labs' };
      for (const dir of Object.values(layouts)) mkdirSync(join(root, dir, '01-echo'), { recursive: true });
      const submitted = { repository: 'repo', labsAlone: 'labs-alone', zippedWithTopFolder: 'zip' };
      for (const [layout, dir] of Object.entries(submitted)) {
        const expected = join(root, layouts[layout as keyof typeof layouts]);
        expect(labsFolderOf(join(root, dir)), layout).toBe(expected);
        expect(resolveTarget(join(root, dir)), layout).toBe(expected);
      }
    } finally {
      removeDir(root);
    }
  });

  test('the reason shown first: a call stuck in a loop beats everything else, and names the call', ({ expect }) => {
    const stuck = failing('b', 'it never returned: your code is stuck, probably in a loop that never ends');
    stuck.message = stuck.message!.replace(
      'Expected: y',
      'Expected: push("\\n" (1 byte)) on your MessageDecoder to return (waited 3 s)',
    );
    const cause = findCause('02-framing', [
      failing('a', 'nothing received'),
      stuck,
      failing('c', 'nothing received'),
      failing('d', 'nothing received'),
    ]);
    expect(cause).toMatchObject({ test: 'b', section: 'Section b', count: 1 });
    expect(cause!.reason).toMatch(
      /^push\("\\n" \(1 byte\)\) on your MessageDecoder never returned: your code is stuck in a loop/,
    );
  });

  test('an error thrown in several tests is named once, with the handout section of the function that threw it', ({
    expect,
  }) => {
    // The reference solution stands in for a student's file: acceptClients is Task 3's.
    const source = readFileSync(join(REPO_ROOT, 'solutions', '05-relay', 'relay.ts'), 'utf8').split('\n');
    const line = source.findIndex((text) => text.includes("for await (const [socket] of on(server, 'connection'")) + 1;
    const at = `solutions/05-relay/relay.ts:${line}:14`;
    expect(sectionOfLine('05-relay', at.replace(/:\d+:\d+$/, ''), line)).toBe('Task 3: one loop for everyone');
    const uncaught = (name: string) =>
      failing(
        name,
        `it threw an uncaught exception, which would crash a real server:\n    TypeError: Cannot read properties of undefined (reading 'x')\n    at ${at}`,
      );
    const threw = (name: string) => ({
      ...failing(name, ''),
      message: `Steps:\n  1. x\nYour code threw: TypeError: Cannot read properties of undefined (reading 'x')\n    at ${at}`,
    });
    const cause = findCause('05-relay', [uncaught('a'), threw('b'), failing('c', 'something else')]);
    expect(cause).toMatchObject({ test: 'a', count: 2, section: 'Task 3: one loop for everyone' });
    expect(cause!.reason).toBe(
      `your code threw TypeError: Cannot read properties of undefined (reading 'x') (at solutions/05-relay/relay.ts:${line})`,
    );
    // Code the solution does not know (provided, or no solutions/ at hand): the first test's section.
    expect(sectionOfLine('05-relay', 'elsewhere/05-relay/nothing.ts', 3)).toBeUndefined();
  });

  test('an accept loop that serves one client at a time is named as such, with the section of the test written for it; "Next:" points there too', async ({
    expect,
  }) => {
    const target = buildVariant(
      relay.slug,
      [
        {
          file: 'relay.ts',
          find: 'void serve(socket as net.Socket); // not awaited: that would serve one client at a time',
          replace: 'await serve(socket as net.Socket);',
        },
      ],
      'serial relay',
    );
    try {
      const result = await gradeLab(relay, {
        target,
        timeLimitMs: 60_000,
        only: ['sendDelivers', 'acceptsWhileServing'],
      });
      const send = result.tests.find((test) => test.key === 'sendDelivers')!;
      expect(send.message).toContain(ONE_AT_A_TIME);
      expect(result.notes[0]).toMatch(
        /^2 tests fail for the same reason, so fix that first: a client that connects while another is connected gets no answer: the server seems to serve one client at a time/,
      );
      expect(result.notes[0]).toContain('section "Task 3: one loop for everyone"');
      expect(send.section).not.toBe('Task 3: one loop for everyone');
      expect(formatSummary([result], 'npm run grade')).toMatch(
        /Next:.* section "Task 3: one loop for everyone",\n.*make "SEND delivers/,
      );
    } finally {
      removeDir(target);
    }
  });

  test('"Next:" never points at a test that --test left out of the run', ({ expect }) => {
    const test = (name: string, status: TestOutcome['status'], message?: string): TestOutcome => ({
      key: name,
      name,
      status,
      points: 0,
      maxPoints: 2,
      hint: '',
      section: `Section ${name}`,
      message,
    });
    const result = (tests: TestOutcome[]) => ({
      slug: '01-echo',
      title: 'Echo',
      status: 'incomplete' as const,
      points: 0,
      maxPoints: 6,
      passed: 0,
      total: 3,
      tests,
      notes: [],
      durationMs: 0,
      output: '',
    });
    expect(
      formatSummary(
        [result([test('a', 'not-run', 'not selected for this run'), test('b', 'passed')])],
        'npm run grade',
      ),
    ).toMatch(/Next:.*every test of this run passes/);
    expect(
      formatSummary(
        [result([test('a', 'not-run', 'not selected for this run'), test('b', 'failed', 'x')])],
        'npm run grade',
      ),
    ).toMatch(/section "Section b",\n.*make "b" pass/);
  });

  test('a module that loops forever (while (true) {}) fails the test that loads it as stuck, within seconds, and the lab goes on', async ({
    expect,
  }) => {
    const { result, elapsedMs, leftBehind } = await gradePatched(
      { file: 'server.ts', find: START_OF_SERVER, replace: `while (true) {}\n  ${START_OF_SERVER}` },
      30_000,
      ['explainsErrors', 'replies'],
    );
    const replies = result.tests.find((test) => test.key === 'replies')!;
    expect(replies.message, JSON.stringify(result, null, 2)).toMatch(
      /startEchoServer\(.*\) to return[\s\S]*stuck, probably in a loop that never ends/,
    );
    expect(result.tests.find((test) => test.key === 'explainsErrors')!.status).toBe('passed');
    expect(result.status).toBe('incomplete');
    expect(elapsedMs).toBeLessThan(20_000);
    expect(leftBehind).toEqual([]);
  });

  test('stops a lab that runs past its time limit, names the test that was running, and leaves no process', async ({
    expect,
  }) => {
    // The server program never says where it listens, so its test waits (10 s) past the lab's 8 s.
    const { result, elapsedMs, leftBehind } = await gradePatched(
      { file: 'server.ts', find: 'console.log(`listening on ${host}:${address.port}`);', replace: '' },
      8_000,
      ['serverProgram'],
    );
    expect(result.status).toBe('timed-out');
    expect(elapsedMs).toBeLessThan(8_000 + 3000);
    expect(result.notes.join('\n')).toMatch(/did not finish within 8 s/);
    const hung = result.tests.find((test) =>
      test.message?.includes('this test was running when the lab hit its 8 s limit'),
    );
    expect(hung, JSON.stringify(result.tests, null, 2)).toBeDefined();
    expect(leftBehind).toEqual([]);
  });

  test('reports code that throws on import as "could not be loaded", and still grades the tests that do not need it', async ({
    expect,
  }) => {
    const { result, leftBehind } = await gradePatched(
      {
        file: 'server.ts',
        find: 'export const DEFAULT_PORT = 5000;',
        replace: "throw new Error('boom at import time');",
      },
      30_000,
      ['explainsErrors', 'replies'],
    );
    expect(result.tests.find((test) => test.key === 'explainsErrors')!.status).toBe('passed');
    expect(result.tests.find((test) => test.key === 'replies')!.message).toMatch(
      /could not be loaded[\s\S]*boom at import time/,
    );
    expect(leftBehind).toEqual([]);
  });

  test('fails a test whose code leaves a listening server open, saying so', async ({ expect }) => {
    const { result } = await gradePatched(
      {
        file: 'server.ts',
        find: START_OF_SERVER,
        replace: `net.createServer().listen(0, '127.0.0.1');\n  ${START_OF_SERVER}`,
      },
      30_000,
      ['replies'],
    );
    const replies = result.tests.find((test) => test.key === 'replies')!;
    expect(replies.status).toBe('failed');
    expect(replies.message).toMatch(/1 listening server still open after the test ended/);
  });

  test('stops a process the code under test left running, and says so', async ({ expect }) => {
    const { result, leftBehind } = await gradePatched(
      {
        file: 'errors.ts',
        find: 'export interface Endpoint',
        replace:
          "import { spawn } from 'node:child_process';\nspawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });\nexport interface Endpoint",
      },
      30_000,
      ['explainsErrors'],
    );
    expect(result.notes.join('\n')).toMatch(/left 1 process running after the test "explainSocketError/);
    expect(leftBehind).toEqual([]);
  });

  test('grades a copy of the lab outside the repository (a submission elsewhere on disk)', async ({ expect }) => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'submission-'));
    try {
      cpSync(join(REPO_ROOT, 'solutions', echo.slug), join(elsewhere, echo.slug), { recursive: true });
      // One in-process test and one that runs a program: both must find the staged copy.
      const only = ['replies', 'clientProgram'];
      const result = await gradeLab(echo, { target: elsewhere, timeLimitMs: 60_000, only });
      expect(result.passed, JSON.stringify(result.tests, null, 2)).toBe(only.length);
    } finally {
      removeDir(elsewhere);
    }
  });

  test('two grades of the same lab can run side by side (no fixed ports)', async ({ expect }) => {
    const solutions = join(REPO_ROOT, 'solutions');
    const only = ['replies', 'serverProgram'];
    const results = await Promise.all(
      [1, 2].map(() => gradeLab(echo, { target: solutions, timeLimitMs: 60_000, only })),
    );
    for (const result of results) expect(result.passed, JSON.stringify(result.tests, null, 2)).toBe(only.length);
  });
});
