// Turns grading results into what a student reads in the terminal.
import type { LabResult, TestOutcome } from './run-lab.ts';
import { handoutSection, hasReference, labNumber, REFERENCE } from './lab.ts';

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const style = { green: paint(32), red: paint(31), yellow: paint(33), dim: paint(2), bold: paint(1) };
const styled = style;
const same = (text: string) => text;
const plain: typeof style = { green: same, red: same, yellow: same, dim: same, bold: same };

export const NOT_SELECTED = 'not selected for this run';
const NOT_IMPLEMENTED = /not implemented yet — see (labs\/\S+), section "([^"]+)"/;

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

function formatTest(test: TestOutcome, slug: string, color = useColor): string {
  const style = color ? styled : plain;
  const score = `${test.points}/${test.maxPoints}${test.private ? ', private' : ''}`;
  if (test.status === 'passed') return `  ${style.green('✓')} ${test.name} ${style.dim(score)}`;
  const mark = test.status === 'not-run' ? style.yellow('-') : style.red('✗');
  if (test.message === NOT_SELECTED) return `  ${mark} ${test.name} ${style.dim(`(${NOT_SELECTED})`)}`;
  const todo = test.message?.match(NOT_IMPLEMENTED);
  // A stub still in place: one line says where to start, a trace would only be noise.
  if (todo)
    return `  ${mark} ${test.name} ${style.dim(score)}\n      ${style.yellow('not implemented yet')}: see ${todo[1]}, section "${todo[2]}"`;
  const lines = [`  ${mark} ${test.name} ${style.dim(score)}`];
  if (test.message) lines.push(indent(test.message, 6));
  lines.push(`      ${style.bold('Hint:')} ${test.hint}`);
  lines.push(`      ${style.bold('Read:')} ${handoutSection(slug, test.section)}`);
  return lines.join('\n');
}

/**
 * A failed test as formatTest shows it, without colour and without its steps: what
 * tools/checks/self-test/failure-fixtures.ts pins (the steps record events as they arrive).
 */
export function formatTestForFixture(test: TestOutcome, slug: string): string {
  const message = test.message ?? '';
  const outcome = message
    .split('\n')
    .findIndex((line) => /^(Expected: |Your code threw: |Your code could not be loaded: )/.test(line));
  const shown = {
    ...test,
    message: message.startsWith('Steps:') && outcome > 0 ? message.split('\n').slice(outcome).join('\n') : message,
  };
  return formatTest(shown, slug, false);
}

function labHeading(result: LabResult): string {
  const tag = {
    complete: style.green('complete'),
    incomplete: style.yellow('incomplete'),
    'timed-out': style.red('timed out'),
    crashed: style.red('could not run'),
  }[result.status];
  return `${style.bold(`Lab ${labNumber(result)}: ${result.title}`)}  ${result.passed}/${result.total} tests, ${result.points}/${result.maxPoints} points  (${tag}, ${(result.durationMs / 1000).toFixed(1)} s)`;
}

export function formatLab(result: LabResult): string {
  const parts = [labHeading(result)];
  if (result.typeErrors?.length) {
    parts.push(
      indent(
        `${style.yellow('!')} TypeScript finds ${result.typeErrors.length === 1 ? 'a type error' : 'type errors'} in your code (no points lost, but fix ${result.typeErrors.length === 1 ? 'it' : 'them'}: ${result.typeErrors.length === 1 ? 'it is' : 'they are'} often the bug a test reports):`,
        2,
      ),
    );
    for (const error of result.typeErrors) parts.push(indent(error, 6));
  }
  for (const note of result.notes) parts.push(indent(`${style.red('!')} ${note}`, 2));
  parts.push(...result.tests.map((test) => formatTest(test, result.slug)));
  return parts.join('\n');
}

/** The progress line and the one thing to do next. */
export function formatSummary(results: LabResult[], command: string): string {
  const complete = results.filter((result) => result.status === 'complete').length;
  const points = results.reduce((sum, result) => sum + result.points, 0);
  const max = results.reduce((sum, result) => sum + result.maxPoints, 0);
  const lines = [
    `${style.bold('Progress:')} ${complete} of ${results.length} lab${results.length === 1 ? '' : 's'} complete, ${points}/${max} points`,
  ];
  // Tests left out of this run (--test) are nothing to do next.
  const toDo = (result: LabResult) =>
    result.tests.some((test) => test.status !== 'passed' && test.message !== NOT_SELECTED);
  const next = results.find(toDo);
  if (!next && results.some((result) => result.status !== 'complete')) {
    lines.push(`${style.bold('Next:')} every test of this run passes; grade without --test for the others.`);
    return lines.join('\n');
  }
  if (!next) {
    // Only the full repository has the reference solutions: a student copy is never sent there.
    const compare = hasReference()
      ? ` Compare your code with ${REFERENCE}/${results.length === 1 ? `${results[0].slug}/` : ''}, then`
      : '';
    lines.push(`${style.bold('Next:')} all done here.${compare || ' Now'} go on to the next lab.`);
    return lines.join('\n');
  }
  const failing =
    next.tests.find((test) => test.status === 'failed') ??
    next.tests.find((test) => test.status !== 'passed' && test.message !== NOT_SELECTED)!;
  const number = labNumber(next);
  // A reason that many tests share comes first: fixing it fixes them all.
  const { section, name } = next.cause ? { section: next.cause.section, name: next.cause.test } : failing;
  lines.push(`${style.bold('Next:')} lab ${number} — read ${handoutSection(next.slug, section)},`);
  lines.push(`      then make "${name}" pass.`);
  lines.push(`      Re-grade on every save: ${command} -- ${number} --watch`);
  return lines.join('\n');
}
