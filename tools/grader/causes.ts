// When several tests fail for one reason, the student should read that reason first, with
// the handout section that fixes it, instead of the same failure five times over. The
// reasons, strongest first:
//   - stuck: a call into the student's code never returned (a loop that never ends);
//   - threw: the code threw the same error in several tests (a server that crashes at start);
//   - one at a time: a later client got nothing while an earlier one stayed connected (an
//     accept loop that awaits each client's whole session);
//   - the same "Got:" line in most failures (numbers aside).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type ts from 'typescript';
import { handoutSection, REPO_ROOT } from './lab.ts';
import type { TestOutcome } from './run-lab.ts';

/**
 * What tests/support/net.ts adds to a client's "Got:" when it received nothing while a client
 * that connected before it is still connected: the sign of a server that serves one client at
 * a time. Shared, so that the test's wording and the grader's recognition cannot drift apart.
 */
export const ONE_AT_A_TIME = 'is the server still busy with that client, serving one client at a time?';

/** The reason most failures share, where to read about it, and the first test that shows it. */
export interface Cause {
  reason: string;
  section: string;
  /** Name of the first failing test that shows it. */
  test: string;
  /** How many failed tests show it. */
  count: number;
}

const STUCK = 'it never returned: your code is stuck';
const THREW =
  /^(?:Your code threw: |Got: +it threw an uncaught exception, which would crash a real server:\n\s+)(.+)(?:\n\s+at (\S+):(\d+):\d+)?/m;

function failedTests(tests: TestOutcome[]): TestOutcome[] {
  return tests.filter(
    (test) => test.status === 'failed' && test.message && !test.message.includes('not implemented yet'),
  );
}

/** The "Got:" line of a failure, or the error the code threw. */
function gotLine(message: string): string | undefined {
  return message
    .split('\n')
    .find((line) => /^(Got: |Your code threw: |Your code could not be loaded: )/.test(line))
    ?.replace(/^Got: +/, '');
}

/** Numbers (ports, byte counts, line numbers) do not make two causes different. */
const normalise = (text: string) => text.replace(/\d+/g, 'N');

function largestGroup(failed: TestOutcome[], keyOf: (test: TestOutcome) => string | undefined): TestOutcome[] {
  const groups = new Map<string, TestOutcome[]>();
  for (const test of failed) {
    const key = keyOf(test);
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), test]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/** A call that never returned: every test that needs that code waits out its own limit. */
function stuck(failed: TestOutcome[]): Cause | undefined {
  const group = failed.filter((test) => test.message!.includes(STUCK));
  if (group.length === 0) return undefined;
  const first = group[0];
  const call = first.message!.match(/^Expected: (.+) to return \(waited/m)?.[1] ?? 'a call into your code';
  return {
    reason: `${call} never returned: your code is stuck in a loop that never ends, and while it runs nothing else in that process can happen.`,
    section: first.section,
    test: first.name,
    count: group.length,
  };
}

/** The same error thrown in several tests: often a server that throws as it starts. */
function threw(slug: string, failed: TestOutcome[]): Cause | undefined {
  const errorOf = (test: TestOutcome) => test.message!.match(THREW)?.[1];
  const group = largestGroup(failed, (test) => {
    const error = errorOf(test);
    return error && normalise(error);
  });
  if (group.length < 2 || group.length * 2 < failed.length) return undefined;
  const first = group[0];
  const [, error, path, line] = first.message!.match(THREW)!;
  return {
    reason: `your code threw ${error}${path ? ` (at ${path}:${line})` : ''}`,
    section: (path && sectionOfLine(slug, path, Number(line))) ?? first.section,
    test: first.name,
    count: group.length,
  };
}

/** Later clients get nothing while an earlier one is connected. */
function oneAtATime(failed: TestOutcome[], all: TestOutcome[]): Cause | undefined {
  const group = failed.filter((test) => test.message!.includes(ONE_AT_A_TIME));
  if (group.length < 2 || group.length * 2 < failed.length) return undefined;
  // The test written for this mistake says where the handout explains it.
  const dedicated = all.find((test) => /one client at a time/.test(test.hint)) ?? group[0];
  return {
    reason:
      'a client that connects while another is connected gets no answer: the server seems to serve one client at a time. ' +
      'Start serving each connection, and go straight back to accepting the next one without waiting for the first to finish.',
    section: dedicated.section,
    test: group[0].name,
    count: group.length,
  };
}

function sameGot(failed: TestOutcome[]): Cause | undefined {
  const group = largestGroup(failed, (test) => {
    const got = gotLine(test.message!);
    return got && normalise(got);
  });
  if (group.length < 3 || group.length * 2 < failed.length) return undefined;
  return { reason: gotLine(group[0].message!)!, section: group[0].section, test: group[0].name, count: group.length };
}

export function findCause(slug: string, tests: TestOutcome[]): Cause | undefined {
  const failed = failedTests(tests);
  return stuck(failed) ?? threw(slug, failed) ?? oneAtATime(failed, tests) ?? sameGot(failed);
}

/** The note shown first: the reason, and where to read. */
export function causeNote(slug: string, cause: Cause): string {
  const lead =
    cause.count > 1
      ? `${cause.count} tests fail for the same reason, so fix that first:`
      : 'Fix this first, it holds up other tests:';
  return `${lead} ${cause.reason}\n    It shows first in "${cause.test}": read ${handoutSection(slug, cause.section)}.`;
}

/** Kept for callers that only want the note: undefined when no reason stands out. */
export function sharedCause(slug: string, tests: TestOutcome[]): string | undefined {
  const cause = findCause(slug, tests);
  return cause && causeNote(slug, cause);
}

// --- Where a line of the student's code is explained -------------------------------------

/**
 * The opening marker of a solution region and its section. Spelt "[ ]" because this file goes
 * into the student copy, which must not contain the marker itself (a check of npm test).
 */
const SOLUTION_MARKER = /\/\/ BEGIN[ ]SOLUTION "([^"]+)"/;

/** "relay.ts" for ".../05-relay/relay.ts" of lab 05-relay. */
function labFileOf(slug: string, path: string): string | undefined {
  return path
    .split(/[\\/]/)
    .join('/')
    .match(new RegExp(`(?:^|/)${slug}/(.+)$`))?.[1];
}

/**
 * The TypeScript compiler, loaded the first time a failure needs it: most grades never do,
 * and importing it (9 MB of CommonJS, lexed for its exports) cost every grade ~0.5 s of CPU.
 */
let compiler: typeof ts | undefined;
function typescript(): typeof ts {
  compiler ??= createRequire(import.meta.url)('typescript') as typeof ts;
  return compiler;
}

/** The top-level function or class member ("Client.send") that contains `position`. */
function enclosingName(source: ts.SourceFile, position: number): string | undefined {
  const ts = typescript();
  for (const statement of source.statements) {
    if (position < statement.getStart(source) || position >= statement.getEnd()) continue;
    if (ts.isFunctionDeclaration(statement) && statement.name) return statement.name.text;
    if (ts.isClassDeclaration(statement) && statement.name) {
      const member = statement.members.find((m) => position >= m.getStart(source) && position < m.getEnd());
      const name =
        member?.name && ts.isIdentifier(member.name)
          ? member.name.text
          : member && ts.isConstructorDeclaration(member)
            ? 'constructor'
            : undefined;
      return name && `${statement.name.text}.${name}`;
    }
    if (ts.isVariableStatement(statement)) {
      const declaration = statement.declarationList.declarations[0];
      return ts.isIdentifier(declaration.name) ? declaration.name.text : undefined;
    }
    return undefined;
  }
  return undefined;
}

/** The [start, end) of the top-level function or class member `name`. */
function rangeOf(source: ts.SourceFile, name: string): [number, number] | undefined {
  const ts = typescript();
  const [outer, inner] = name.split('.');
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === outer && !inner)
      return [statement.getStart(source), statement.getEnd()];
    if (
      ts.isVariableStatement(statement) &&
      !inner &&
      statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === outer)
    )
      return [statement.getStart(source), statement.getEnd()];
    if (ts.isClassDeclaration(statement) && statement.name?.text === outer && inner) {
      const member = statement.members.find(
        (m) =>
          (m.name && ts.isIdentifier(m.name) ? m.name.text : ts.isConstructorDeclaration(m) ? 'constructor' : '') ===
          inner,
      );
      if (member) return [member.getStart(source), member.getEnd()];
    }
  }
  return undefined;
}

/**
 * The handout section of the code at `path`:`line`, found through the reference solution
 * (where the instructor's copy has it): the function that contains the line, and the section
 * named by the first solution region of the solution's function of that name. Undefined for
 * provided code, or without the reference solutions.
 */
export function sectionOfLine(slug: string, path: string, line: number): string | undefined {
  try {
    const ts = typescript();
    const file = labFileOf(slug, path);
    const studentPath = isAbsolute(path) ? path : join(REPO_ROOT, path);
    const solutionPath = file && join(REPO_ROOT, 'solutions', slug, file);
    if (!solutionPath || !existsSync(studentPath) || !existsSync(solutionPath)) return undefined;
    const student = ts.createSourceFile(studentPath, readFileSync(studentPath, 'utf8'), ts.ScriptTarget.Latest, true);
    const name = enclosingName(student, student.getPositionOfLineAndCharacter(line - 1, 0));
    if (!name) return undefined;
    const solutionText = readFileSync(solutionPath, 'utf8');
    const range = rangeOf(ts.createSourceFile(solutionPath, solutionText, ts.ScriptTarget.Latest, true), name);
    return range && solutionText.slice(...range).match(SOLUTION_MARKER)?.[1];
  } catch {
    return undefined; // a file that no longer parses, a line past its end: no section, no harm
  }
}
