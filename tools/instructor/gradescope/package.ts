// npm run gradescope-package -- [LAB...] [--out FILE.zip] [--extra-tests DIR] [--time-limit S]
//
// Builds the zip to upload as a Gradescope programming assignment's autograder. Gradescope
// unpacks it into /autograder/source, runs setup.sh once to build its image, then
// run_autograder for each submission: that grades /autograder/submission (a whole
// repository, or just its labs/ folder, or some lab folders) and writes
// /autograder/results/results.json. The zip holds the grader, the public tests, the starter
// labs (so that a submission missing a lab still loads, scoring 0 for it) and, with
// --extra-tests, the private tests. Never the solutions or the buggy-variant catalogs.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { discoverLabs, REPO_ROOT, selectLabs } from '../../grader/lab.ts';
import { isInstructorOnly } from '../export-student-copy.ts';
import { filesUnder } from '../../shared/files.ts';
import { PRIVATE_TESTS_DIR, SETTINGS_FILE, type AutograderSettings } from './layout.ts';

/** What a grading run needs from the repository. */
const PACKED = ['labs', 'tests', 'tools', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts'];
/** The instructor tools the autograder itself runs: this folder. */
const AUTOGRADER_TOOLS = 'tools/instructor/gradescope/';

const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image (Ubuntu).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  apt-get update
  apt-get install -y --no-install-recommends ca-certificates curl gnupg
  curl -fsSL https://deb.nodesource.com/setup_22.x | bash -
  apt-get install -y --no-install-recommends nodejs
fi
node --version
npm ci --no-audit --no-fund
`;

const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT exists for testing the
# package outside Gradescope; there it is /autograder.
set -uo pipefail
export AUTOGRADER_ROOT="\${AUTOGRADER_ROOT:-/autograder}"
cd "$AUTOGRADER_ROOT/source"
# The grader runs as root and the student's code as a sandbox user of its own (trusted
# mode): that user must not read the private tests nor write the results.
chmod -R go-rwx private-tests 2>/dev/null || true
mkdir -p "$AUTOGRADER_ROOT/results" && chmod go-w "$AUTOGRADER_ROOT/results"
exec node --import tsx tools/instructor/gradescope/autograder.ts
`;

function autograderPackageJson(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  manifest.scripts = { grade: manifest.scripts.grade };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** A zip entry's name has forward slashes (Gradescope unzips on Linux); Windows paths have backslashes. */
function zipPath(path: string): string {
  return path.split('\\').join('/');
}

export async function buildAutograderZip(
  options: { labs?: string[]; extraTests?: string; timeLimitSeconds?: number } = {},
): Promise<Uint8Array> {
  const labs = selectLabs(await discoverLabs(), options.labs ?? []);
  const entries: Zippable = {};
  const add = (path: string, content: string | Uint8Array, executable = false) => {
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    // Unix permissions in the zip's external attributes, so the scripts stay executable.
    entries[path] = [data, { os: 3, attrs: (executable ? 0o100755 : 0o100644) << 16 }];
  };
  for (const entry of PACKED) {
    const source = join(REPO_ROOT, entry);
    for (const file of statSync(source).isDirectory() ? filesUnder(source) : [source]) {
      const path = zipPath(relative(REPO_ROOT, file));
      if ((isInstructorOnly(path) && !path.startsWith(AUTOGRADER_TOOLS)) || path.includes('node_modules')) continue;
      add(path, readFileSync(file));
    }
  }
  if (options.extraTests) {
    for (const file of filesUnder(options.extraTests)) {
      if (!file.includes('node_modules'))
        add(zipPath(join(PRIVATE_TESTS_DIR, relative(options.extraTests, file))), readFileSync(file));
    }
  }
  const settings: AutograderSettings = {
    labs: labs.map((lab) => lab.slug),
    timeLimitSeconds: options.timeLimitSeconds ?? 30,
  };
  add(SETTINGS_FILE, `${JSON.stringify(settings, null, 2)}\n`);
  add('package.json', autograderPackageJson());
  add('setup.sh', SETUP_SH, true);
  add('run_autograder', RUN_AUTOGRADER, true);
  return zipSync(entries, { level: 9 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string', default: 'gradescope-autograder.zip' },
      'extra-tests': { type: 'string' },
      'time-limit': { type: 'string', default: '30' },
    },
  });
  const timeLimitSeconds = Number(values['time-limit']);
  if (!(timeLimitSeconds > 0)) throw new Error('--time-limit takes a number of seconds');
  buildAutograderZip({ labs: positionals, extraTests: values['extra-tests'], timeLimitSeconds }).then(
    (zip) => {
      writeFileSync(values.out, zip);
      console.log(
        `wrote ${values.out} (${(zip.length / 1024).toFixed(0)} KiB): upload it as the autograder of a Gradescope programming assignment`,
      );
    },
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
