// The student's modules and programs, each bundled by esbuild (what tsx uses underneath) into
// one ES module that a sandboxed Node starts in a fraction of tsx's time and that needs
// nothing else on disk: not the repository, not node_modules, not the student's folder.
// The trusted side builds them (esbuild reads the student's code and never runs it); a
// module's bundle is kept for the test process in a folder only it can read, and each test
// gets a copy in its own sandbox (Sandbox.provide), so no submission can read another's.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';
import { displayPath } from '../target.ts';
import { REPO_ROOT } from '../lab.ts';

const OFFLINE_DNS = fileURLToPath(new URL('../../../tests/support/offline-dns.ts', import.meta.url));
const HOST_MAIN = fileURLToPath(new URL('./host-main.ts', import.meta.url));

/** A module or program that esbuild could not build: the message says where, as a compiler would. */
export class BuildError extends Error {
  override name = 'BuildError';
}

/**
 * In a bundle every module would see the bundle's import.meta.url and process.argv[1], so
 * each module gets its own file's URL back and, for a program, argv[1] is set to the
 * program's file before any of its code runs: `if (process.argv[1] === fileURLToPath(
 * import.meta.url))` then holds for the program and for none of the modules it imports.
 */
function asIfUnbundled(root: string, program?: string): Plugin {
  return {
    name: 'as-if-unbundled',
    setup(on) {
      // A bundle holds only files under its root (the student's labs): an import of anything
      // else (a private test, the grader's files) would be read by the grader and handed over.
      on.onLoad({ filter: /.*/ }, ({ path, namespace }) => {
        if (namespace !== 'file' || path === OFFLINE_DNS || isInside(root, realpathSync(path))) return undefined;
        return {
          errors: [
            {
              text: `imports ${path}, which is outside ${displayPath(root)}: a lab may import only files of the labs and Node's own modules`,
            },
          ],
        };
      });
      on.onResolve({ filter: /^program-argv$/ }, () => ({ path: 'argv', namespace: 'program-argv' }));
      on.onLoad({ filter: /.*/, namespace: 'program-argv' }, () => ({
        contents: `process.argv[1] = ${JSON.stringify(program)};`,
        loader: 'js',
      }));
      on.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => {
        if (/[\\/]node_modules[\\/]/.test(path)) return undefined; // either separator: Windows paths have backslashes
        const contents = readFileSync(path, 'utf8')
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
          .replaceAll('import.meta.filename', JSON.stringify(path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)));
        return { contents, loader: /\.[cm]?ts$/.test(path) ? 'ts' : 'js' };
      });
    },
  };
}

/** Shows a path as the student knows it: `shown` maps a sandbox's copy back to the original. */
type ShowPath = (path: string) => string;

function describeBuildErrors(file: string, errors: Message[], shown: ShowPath): string {
  const lines = errors.slice(0, 5).map((error) => {
    const at = error.location
      ? `${shown(error.location.file)}:${error.location.line}:${error.location.column + 1}: `
      : '';
    return `${at}${error.text}${error.location?.lineText ? `\n      ${error.location.lineText.trim()}` : ''}`;
  });
  return `${shown(file)} does not compile:\n    ${lines.join('\n    ')}`;
}

let outDir: string | undefined;
let built = 0;
/**
 * This test process's bundles: mkdtemp makes it readable by this user (root, in trusted
 * mode) alone. Inside the grade's own scratch folder when there is one (GRADER_SCRATCH),
 * which the grader removes even when it had to kill this process.
 */
function bundleDir(): string {
  if (!outDir) {
    outDir = mkdtempSync(join(process.env.GRADER_SCRATCH ?? tmpdir(), 'bundles-'));
    const dir = outDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return outDir;
}

const cache = new Map<string, Promise<string>>();

function isInside(root: string, path: string): boolean {
  const from = relative(root, path);
  return from !== '' && !from.startsWith('..') && !isAbsolute(from);
}

async function bundle(
  key: string | undefined,
  root: string,
  entry: { file?: string; imports?: string[] },
  program?: string,
  outfile = join(bundleDir(), `${++built}.mjs`),
  shown: ShowPath = displayPath,
): Promise<string> {
  try {
    await build({
      ...(entry.file
        ? { entryPoints: [entry.file] }
        : {
            stdin: {
              contents: entry.imports!.map((path) => `import ${JSON.stringify(path)};`).join('\n'),
              resolveDir: dirname(program!),
              loader: 'js' as const,
            },
          }),
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [asIfUnbundled(realpathSync(root), program)],
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (key) cache.delete(key); // a fixed file builds next time
    throw new BuildError(
      errors?.length
        ? describeBuildErrors(entry.file ?? program!, errors, shown)
        : `${shown(entry.file ?? program!)} could not be bundled: ${(error as Error).message}`,
    );
  }
  return outfile;
}

function cached(key: string, make: () => Promise<string>): Promise<string> {
  let found = cache.get(key);
  if (!found) {
    found = make();
    cache.set(key, found);
  }
  return found;
}

/**
 * A module, ready for the host to import (its path); built once per test process. `root`:
 * the folder it and everything it imports must be in (the target's labs, or the tests).
 */
export function bundleModule(file: string, root: string): Promise<string> {
  const key = `module:${file}`;
  return cached(key, () => bundle(key, root, { file }));
}

/**
 * A program of the student's, as one script written to `outfile`: DNS answered offline,
 * argv[1] as if run directly. Built from the sandbox's own copy of the labs, so that the
 * paths it computes from import.meta.url are there; `shown` maps them back in messages.
 */
export async function bundleProgram(file: string, root: string, outfile: string, shown: ShowPath): Promise<void> {
  await bundle(undefined, root, { imports: [OFFLINE_DNS, 'program-argv', file] }, file, outfile, shown);
}

/** The student host itself (host-main.ts). */
export function hostScript(): Promise<string> {
  return cached('host', () => bundle('host', REPO_ROOT, { file: HOST_MAIN }));
}
