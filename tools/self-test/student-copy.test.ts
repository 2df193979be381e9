// The student copy: none of the solutions' code, the instructor-only files left out, the
// Classroom workflow in step with the points, and the grader working inside it.
import { describe, expect, test, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { exportStudentCopy, isInstructorOnly } from '../export-student-copy.ts';
import { CHECKSUMS_FILE, classroomWorkflow, parseTemplate } from '../classroom.ts';
import { labNumber, maxPoints, REPO_ROOT } from '../grader/lab.ts';
import { scratchDir } from '../grader/target.ts';
import { labs, removeDir } from './helpers.ts';
import { filesUnder } from '../files.ts';

const copy = join(scratchDir('student-copy-'), 'repo');
await exportStudentCopy(copy);
afterAll(() => removeDir(join(copy, '..')));

/**
 * Distinctive lines (40+ characters) a student must write: inside solution regions, and
 * found nowhere in what the course gives students (starters, tools, docs), so that shared
 * idioms such as "const server = net.createServer((socket) => {" do not count.
 */
function solutionLines(): string[] {
  const given = ['labs', 'tools', 'docs'].flatMap((dir) => filesUnder(join(REPO_ROOT, dir))).map((path) => readFileSync(path, 'utf8')).join('\n');
  const lines = new Set<string>();
  for (const file of filesUnder(join(REPO_ROOT, 'solutions')).filter((path) => path.endsWith('.ts'))) {
    let inside = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/\/\/ BEGIN SOLUTION/.test(line)) inside = true;
      else if (/\/\/ END SOLUTION/.test(line)) inside = false;
      else if (inside && line.trim().length >= 40 && !given.includes(line.trim())) lines.add(line.trim());
    }
  }
  return [...lines];
}

describe('the student copy', () => {
  test('leaves out solutions/, the buggy-variant catalogs and the instructor tools', () => {
    const files = filesUnder(copy).map((path) => relative(copy, path));
    expect(files.filter(isInstructorOnly)).toEqual([]);
    expect(existsSync(join(copy, 'solutions'))).toBe(false);
    expect(files.some((path) => path.startsWith('labs/01-echo/'))).toBe(true);
    expect(files).toContain('.github/workflows/classroom.yml');
  });

  test('contains none of the solutions\' code', () => {
    const secrets = solutionLines();
    expect(secrets.length).toBeGreaterThan(60);
    for (const path of filesUnder(copy)) {
      const text = readFileSync(path, 'utf8');
      expect(text, relative(copy, path)).not.toMatch(/BEGIN SOLUTION/);
      const leaked = secrets.filter((line) => text.includes(line));
      // A handout's hint may quote a line or two on purpose; code files may quote none.
      const allowed = path.endsWith('.md') ? 2 : 0;
      expect(leaked.length, `${relative(copy, path)} contains solution code:\n${leaked.join('\n')}`).toBeLessThanOrEqual(allowed);
    }
  });

  test('has no broken links between its Markdown files', () => {
    const broken: string[] = [];
    for (const file of filesUnder(copy).filter((path) => path.endsWith('.md'))) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
        if (!existsSync(join(dirname(file), target))) broken.push(`${relative(copy, file)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('its Classroom workflow gives each lab one step worth that lab\'s points', () => {
    const workflow = readFileSync(join(copy, '.github/workflows/classroom.yml'), 'utf8');
    for (const lab of labs) {
      const number = labNumber(lab);
      expect(workflow).toContain(`command: sudo -E env "PATH=$PATH" npm run grade -- ${number} --strict`);
      expect(workflow).toMatch(new RegExp(`id: lab-${number}\\n[\\s\\S]*?max-score: ${maxPoints(lab)}\\n`));
      expect(workflow).toContain(`LAB-${number}_RESULTS: "\${{ steps.lab-${number}.outputs.result }}"`);
    }
    expect(workflow).toContain(`runners: ${labs.map((lab) => `lab-${labNumber(lab)}`).join(',')}`);
  });

  test('its Classroom workflow grades only with the course\'s own tests: checksums that catch an edited test, or a pinned template', () => {
    const check = () => spawnSync('sha256sum', ['--check', '--quiet', CHECKSUMS_FILE], { cwd: copy, encoding: 'utf8' });
    expect(check().status, check().stdout).toBe(0);
    const test = join(copy, 'tests', '01-echo', 'server.test.ts');
    const original = readFileSync(test, 'utf8');
    writeFileSync(test, original.replace('graded(lab.tests.replies', 'graded.skip(lab.tests.replies'));
    try {
      expect(check().status).not.toBe(0);
    } finally {
      writeFileSync(test, original);
    }
    const pinned = classroomWorkflow(labs, parseTemplate(`course/sockets-lab@${'a'.repeat(40)}`));
    expect(pinned).toContain(`ref: ${'a'.repeat(40)}`);
    expect(pinned).toContain('rm -rf .course/labs && cp -r labs .course/labs');
    expect(pinned).toContain('command: cd .course && sudo');
    expect(() => parseTemplate('course/sockets-lab@main')).toThrow(/40-character/);
  });

  test('grades to 0 inside the copy, readably, exiting 0 (and 1 with --strict)', () => {
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
    const grade = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'tools/grade.ts', '01', '--test', 'explainSocketError', ...args], { cwd: copy, encoding: 'utf8' });
    const plain = grade();
    expect(plain.status, plain.stderr).toBe(0);
    const echo = labs.find((lab) => lab.slug === '01-echo')!;
    expect(plain.stdout).toContain(`Lab 01: One-shot echo  0/${Object.keys(echo.tests).length} tests, 0/${maxPoints(echo)} points`);
    expect(plain.stdout).toMatch(/not implemented yet: see labs\/01-echo\/README\.md/);
    expect(grade('--strict').status).toBe(1);
  });
});
