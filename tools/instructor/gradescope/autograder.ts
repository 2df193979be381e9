// Runs inside Gradescope (see tools/instructor/gradescope/package.ts), once per submission: finds the
// student's lab folders in $AUTOGRADER_ROOT/submission, lays them over the starter labs,
// grades them, and writes $AUTOGRADER_ROOT/results/results.json. Whatever goes wrong, a
// results.json that says what happened is written: Gradescope shows nothing otherwise.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_FOLDER, REPO_ROOT } from '../../grader/lab.ts';
import { labsFolderOf, scratchDir } from '../../grader/target.ts';
import type { GradescopeResults } from '../../grader/gradescope.ts';
import { PRIVATE_TESTS_DIR, SETTINGS_FILE, type AutograderSettings } from './layout.ts';

const root = process.env.AUTOGRADER_ROOT ?? '/autograder';
const resultsFile = join(root, 'results', 'results.json');

function writeResults(results: GradescopeResults): void {
  mkdirSync(join(root, 'results'), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
}

function failAll(message: string): void {
  console.error(message);
  writeResults({ score: 0, execution_time: 0, output: message, stdout_visibility: 'hidden', tests: [] });
}

function main(): void {
  const settings = JSON.parse(readFileSync(join(REPO_ROOT, SETTINGS_FILE), 'utf8')) as AutograderSettings;
  const submitted = labsFolderOf(join(root, 'submission'));
  if (!submitted) {
    failAll(
      'No lab folders found in your submission. Upload your whole repository (with its labs/ folder), ' +
        'or the labs/ folder itself, or lab folders such as 01-echo/.',
    );
    return;
  }
  // The starters first, the submission over them: a lab the student did not upload still loads.
  const target = join(scratchDir('submission-'), 'labs');
  cpSync(join(REPO_ROOT, 'labs'), target, { recursive: true });
  for (const name of readdirSync(submitted).filter((entry) => LAB_FOLDER.test(entry))) {
    cpSync(join(submitted, name), join(target, name), {
      recursive: true,
      filter: (path) => !path.includes('node_modules'),
    });
  }
  const privateTests = join(REPO_ROOT, PRIVATE_TESTS_DIR);
  const args = [
    '--import',
    'tsx',
    'tools/grader/grade.ts',
    ...settings.labs,
    '--target',
    target,
    '--gradescope',
    resultsFile,
    '--time-limit',
    String(settings.timeLimitSeconds),
    ...(existsSync(privateTests) ? ['--extra-tests', privateTests] : []),
  ];
  mkdirSync(join(root, 'results'), { recursive: true });
  const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!existsSync(resultsFile))
    failAll(`The grader stopped before writing results (exit code ${run.status}). Please tell your instructor.`);
}

try {
  main();
} catch (error) {
  failAll(
    `The autograder failed: ${error instanceof Error ? error.message : String(error)}. Please tell your instructor.`,
  );
}
