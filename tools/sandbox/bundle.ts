// The student's modules and programs, each bundled by esbuild (what tsx uses underneath) into
// one ES module that a sandboxed Node starts in a fraction of tsx's time and that needs
// nothing else on disk: not the repository, not node_modules, not the student's folder.
// Bundles go to a folder the sandbox users may read but not change, one per test process,
// removed when it exits. The trusted side builds them; esbuild reads the student's code
// and never runs it.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';
import { displayPath } from '../grader/target.ts';
import { sharedReadOnlyDir } from './sandbox.ts';

const OFFLINE_DNS = fileURLToPath(new URL('../../tests/support/offline-dns.ts', import.meta.url));
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
function asIfUnbundled(program?: string): Plugin {
  return {
    name: 'as-if-unbundled',
    setup(on) {
      on.onResolve({ filter: /^program-argv$/ }, () => ({ path: 'argv', namespace: 'program-argv' }));
      on.onLoad({ filter: /.*/, namespace: 'program-argv' }, () => ({ contents: `process.argv[1] = ${JSON.stringify(program)};`, loader: 'js' }));
      on.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => {
        if (path.includes('/node_modules/')) return undefined;
        const contents = readFileSync(path, 'utf8')
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href))
          .replaceAll('import.meta.filename', JSON.stringify(path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(path)));
        return { contents, loader: /\.[cm]?ts$/.test(path) ? 'ts' : 'js' };
      });
    },
  };
}

function describeBuildErrors(file: string, errors: Message[]): string {
  const lines = errors.slice(0, 5).map((error) => {
    const at = error.location ? `${displayPath(error.location.file)}:${error.location.line}:${error.location.column + 1}: ` : '';
    return `${at}${error.text}${error.location?.lineText ? `\n      ${error.location.lineText.trim()}` : ''}`;
  });
  return `${displayPath(file)} does not compile:\n    ${lines.join('\n    ')}`;
}

let outDir: string | undefined;
let built = 0;
function bundleDir(): string {
  if (!outDir) {
    outDir = sharedReadOnlyDir('bundles-');
    const dir = outDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return outDir;
}

const cache = new Map<string, Promise<string>>();

async function bundle(key: string, entry: { file?: string; imports?: string[] }, program?: string): Promise<string> {
  const outfile = join(bundleDir(), `${++built}.mjs`);
  try {
    await build({
      ...(entry.file ? { entryPoints: [entry.file] } : { stdin: { contents: entry.imports!.map((path) => `import ${JSON.stringify(path)};`).join('\n'), resolveDir: dirname(program!), loader: 'js' as const } }),
      outfile, bundle: true, platform: 'node', format: 'esm', packages: 'external',
      target: `node${process.versions.node.split('.')[0]}`, sourcemap: 'inline', logLevel: 'silent',
      plugins: [asIfUnbundled(program)],
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    cache.delete(key); // a fixed file builds next time
    throw new BuildError(errors?.length ? describeBuildErrors(entry.file ?? program!, errors) : `${displayPath(entry.file ?? program!)} could not be bundled: ${(error as Error).message}`);
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

/** A module of the student's, ready for the host to import (its path); built once per test process. */
export function bundleModule(file: string): Promise<string> {
  const key = `module:${file}`;
  return cached(key, () => bundle(key, { file }));
}

/** A program of the student's, as one script: DNS answered offline, argv[1] as if run directly. */
export function bundleProgram(file: string): Promise<string> {
  const key = `program:${file}`;
  return cached(key, () => bundle(key, { imports: [OFFLINE_DNS, 'program-argv', file] }, file));
}

/** The student host itself (host-main.ts). */
export function hostScript(): Promise<string> {
  return cached('host', () => bundle('host', { file: HOST_MAIN }));
}
