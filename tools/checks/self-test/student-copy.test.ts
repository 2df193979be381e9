// The student copy: none of the solutions' code, the instructor-only files left out, the
// Classroom workflow in step with the points, and the grader working inside it.
import { describe, expect, test, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { exportStudentCopy, forStudents, isInstructorOnly } from '../../instructor/export-student-copy.ts';
import { CHECKSUMS_FILE, classroomWorkflow, courseChecksums, parseTemplate } from '../../instructor/classroom.ts';
import { labNumber, maxPoints, REPO_ROOT } from '../../grader/lab.ts';
import { scratchDir } from '../../grader/target.ts';
import { labs, removeDir } from './helpers.ts';
import { filesUnder } from '../../shared/files.ts';

// In a folder named as a student's may be (a space, parentheses, brackets, non-ASCII letters):
// a parenthesis in an absolute include glob once made vitest find no test at all.
const copy = join(scratchDir('student-copy-'), 'Cours réseau (2026) [ß]', 'sockets lab');
await exportStudentCopy(copy);
afterAll(() => removeDir(join(copy, '..', '..')));

/**
 * Distinctive lines (40+ characters) a student must write: inside solution regions, and
 * found nowhere in what the course gives students (starters, tools, docs), so that shared
 * idioms such as "const server = net.createServer((socket) => {" do not count.
 */
function solutionLines(): string[] {
  const given = ['labs', 'tools', 'docs']
    .flatMap((dir) => filesUnder(join(REPO_ROOT, dir)))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
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
    const files = filesUnder(copy).map((path) => relative(copy, path).split('\\').join('/')); // Windows gives backslashes
    expect(files.filter(isInstructorOnly)).toEqual([]);
    expect(existsSync(join(copy, 'solutions'))).toBe(false);
    expect(files.some((path) => path.startsWith('labs/01-echo/'))).toBe(true);
    expect(files).toContain('.github/workflows/classroom.yml');
    // The tools it has need none that it lacks: every import of a copied module resolves in the copy.
    const unresolved = files
      .filter((path) => path.endsWith('.ts'))
      .flatMap((path) => {
        const text = readFileSync(join(copy, path), 'utf8');
        return [...text.matchAll(/(?:from |import\()'((?:\.{1,2}\/|#repo\/)[^']+)'/g)]
          .map(([, spec]) => spec)
          .filter(
            (spec) =>
              !existsSync(
                spec.startsWith('#repo/') ? join(copy, spec.slice('#repo/'.length)) : join(copy, dirname(path), spec),
              ),
          )
          .map((spec) => `${path} imports ${spec}`);
      });
    expect(unresolved).toEqual([]);
  });

  test("contains none of the solutions' code", () => {
    const secrets = solutionLines();
    expect(secrets.length).toBeGreaterThan(60);
    for (const path of filesUnder(copy)) {
      const text = readFileSync(path, 'utf8');
      expect(text, relative(copy, path)).not.toMatch(/BEGIN SOLUTION/);
      const leaked = secrets.filter((line) => text.includes(line));
      // A handout's hint may quote a line or two on purpose; code files may quote none.
      const allowed = path.endsWith('.md') ? 2 : 0;
      expect(
        leaked.length,
        `${relative(copy, path)} contains solution code:\n${leaked.join('\n')}`,
      ).toBeLessThanOrEqual(allowed);
    }
  });

  test('sends no one to solutions/: no file mentions it, and --help offers only what the copy has', () => {
    const mentions = filesUnder(copy)
      .filter((path) => /\bsolutions\//.test(readFileSync(path, 'utf8')))
      .map((path) => relative(copy, path));
    expect(mentions).toEqual([]);
    expect(filesUnder(copy).filter((path) => readFileSync(path, 'utf8').includes('full-repository:'))).toEqual([]);
    // In the full repository the handouts do offer the reference: the export is what leaves it out.
    expect(readFileSync(join(REPO_ROOT, 'labs', '01-echo', 'README.md'), 'utf8')).toMatch(
      /solutions\/01-echo\/server\.ts/,
    );
    const help = (cwd: string, script: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', script, '--help'], { cwd, encoding: 'utf8' }).stdout;
    expect(help(REPO_ROOT, 'tools/grader/grade.ts')).toMatch(/--target T .*solutions/);
    for (const script of ['tools/grader/grade.ts', 'tools/bench/bench.ts']) {
      const text = help(copy, script);
      expect(text, script).toMatch(/--target T/);
      expect(text, script).not.toMatch(/solutions/);
    }
  });

  test('a full-repository-only block of a handout is left out whole, and an unbalanced marker is an error', () => {
    const handout =
      'Intro.\n\n<!-- full-repository:begin -->\nCompare with solutions/01-echo/.\n<!-- full-repository:end -->\n\nNext.\n';
    expect(forStudents(handout)).toBe('Intro.\n\nNext.\n');
    expect(forStudents(handout.replace(/\n/g, '\r\n'))).toBe('Intro.\n\nNext.\n');
    expect(() => forStudents('<!-- full-repository:begin -->\nno end\n')).toThrow(/unbalanced/);
  });

  test('installs quietly: no instructor-only dependency, and a package-lock.json that npm finds consistent', () => {
    const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      allowScripts?: Record<string, boolean>;
    };
    expect(Object.keys(manifest.devDependencies)).not.toContain('markdownlint-cli');
    expect(Object.keys(manifest.devDependencies)).toContain('vitest');
    // esbuild's postinstall only checks its binary, which npm installs as an optional dependency.
    expect(manifest.allowScripts).toEqual({ esbuild: false });
    const lock = readFileSync(join(copy, 'package-lock.json'), 'utf8');
    expect(lock).not.toMatch(/markdownlint|node_modules\/ini"/);
    // npm ls checks the lock against package.json without a network or node_modules.
    const npm = process.env.npm_execpath;
    const ls = npm
      ? spawnSync(process.execPath, [npm, 'ls', '--package-lock-only', '--all'], { cwd: copy, encoding: 'utf8' })
      : spawnSync('npm', ['ls', '--package-lock-only', '--all'], {
          cwd: copy,
          encoding: 'utf8',
          shell: process.platform === 'win32',
        });
    expect(ls.status, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('vitest@');
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

  test("its Classroom workflow gives each lab one step worth that lab's points", () => {
    const workflow = readFileSync(join(copy, '.github/workflows/classroom.yml'), 'utf8');
    for (const lab of labs) {
      const number = labNumber(lab);
      expect(workflow).toContain(`command: sudo -E env "PATH=$PATH" npm run grade -- ${number} --strict`);
      expect(workflow).toMatch(new RegExp(`id: lab-${number}\\n[\\s\\S]*?max-score: ${maxPoints(lab)}\\n`));
      expect(workflow).toContain(`LAB-${number}_RESULTS: "\${{ steps.lab-${number}.outputs.result }}"`);
    }
    expect(workflow).toContain(`runners: ${labs.map((lab) => `lab-${labNumber(lab)}`).join(',')}`);
  });

  test("its Classroom workflow grades only with the course's own tests: checksums that catch an edited test, or a pinned template", () => {
    // The workflow runs sha256sum on GitHub's Ubuntu runners; where there is none (Windows,
    // older macOS), the same check in Node: every listed file still has its hash.
    const hasSha256sum = !spawnSync('sha256sum', ['--version']).error;
    const check = () =>
      hasSha256sum
        ? spawnSync('sha256sum', ['--check', '--quiet', CHECKSUMS_FILE], { cwd: copy, encoding: 'utf8' })
        : {
            status: readFileSync(join(copy, CHECKSUMS_FILE), 'utf8')
              .trim()
              .split('\n')
              .every((line) => courseChecksums(copy, [join(copy, line.slice(66))]).trim() === line)
              ? 0
              : 1,
            stdout: '',
          };
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
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction');
    const grade = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'tools/grader/grade.ts', '01', '--test', 'explainSocketError', ...args],
        { cwd: copy, encoding: 'utf8' },
      );
    const plain = grade();
    expect(plain.status, plain.stderr).toBe(0);
    const echo = labs.find((lab) => lab.slug === '01-echo')!;
    expect(plain.stdout).toContain(
      `Lab 01: One-shot echo  0/${Object.keys(echo.tests).length} tests, 0/${maxPoints(echo)} points`,
    );
    expect(plain.stdout).toMatch(/not implemented yet: see labs\/01-echo\/README\.md/);
    expect(grade('--strict').status).toBe(1);
  });

  test('a finished lab earns full marks inside the copy, and the grader then points to no solutions/', () => {
    const lab = join(copy, 'labs', '01-echo');
    const starter = join(copy, '..', 'starter-01-echo');
    cpSync(lab, starter, { recursive: true });
    cpSync(join(REPO_ROOT, 'solutions', '01-echo'), lab, { recursive: true });
    try {
      if (!existsSync(join(copy, 'node_modules')))
        symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'junction');
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/grader/grade.ts', '01'], {
        cwd: copy,
        encoding: 'utf8',
      });
      const echo = labs.find((entry) => entry.slug === '01-echo')!;
      expect(run.stdout, run.stderr).toContain(`${maxPoints(echo)}/${maxPoints(echo)} points`);
      expect(run.stdout).toMatch(/all done here\. Now go on to the next lab/);
      expect(run.stdout).not.toMatch(/solutions/);
    } finally {
      rmSync(lab, { recursive: true, force: true });
      cpSync(starter, lab, { recursive: true });
    }
  });
});
