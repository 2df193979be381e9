// What a sandbox's user needs to run and cannot always reach: Node.js itself (installed by
// nvm or a download in someone's home folder) and, from node_modules, tsx, for a program that
// starts TypeScript itself (lab 06's relay forks its worker.ts with `--import tsx`). A
// file is reachable only if every folder above it lets other users through; a private
// folder (mktemp -d, a home folder with mode 700) does not. Then the grader lays out what is
// needed in a folder of its own that other users may read but not change, once per grading
// process, and removes it at exit.
import {
  chmodSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** True when a user other than the owner (and not in its group) can walk down to `path`. */
function reachableByOthers(path: string): boolean {
  for (let at = realpathSync(path); ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (dirname(at) === at) return true;
  }
}

/** The packages `name` needs, itself included, as installed in `nodeModules`. */
function closure(nodeModules: string, name: string, found = new Set<string>()): Set<string> {
  if (found.has(name) || !existsSync(join(nodeModules, name, 'package.json'))) return found;
  found.add(name);
  const manifest = JSON.parse(readFileSync(join(nodeModules, name, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
    closure(nodeModules, dependency, found);
  return found;
}

/** Hard links where the file system allows (no copy of esbuild's 11 MB binary), copies elsewhere. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else {
      try {
        linkSync(source, target);
      } catch {
        cpSync(source, target);
      }
    }
  }
}

let shared: string | undefined;
/** This process's folder for what the sandbox users need: readable by them, theirs to change never. */
function sharedDir(): string {
  if (!shared) {
    const root = mkdtempSync(join(tmpdir(), 'sandbox-runtime-'));
    chmodSync(root, 0o755);
    shared = root;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return shared;
}

const prepared = new Map<string, string>();
function once(key: string, make: () => string): string {
  if (!prepared.has(key)) prepared.set(key, make());
  return prepared.get(key)!;
}

/** node_modules for sandboxed programs: the repository's own, or a reachable copy of tsx's closure. */
export function sandboxNodeModules(repoNodeModules: string): string {
  if (reachableByOthers(repoNodeModules)) return repoNodeModules;
  return once('node_modules', () => {
    const nodeModules = join(sharedDir(), 'node_modules');
    for (const name of closure(repoNodeModules, 'tsx')) linkTree(join(repoNodeModules, name), join(nodeModules, name));
    return nodeModules;
  });
}

/** The node binary for sandboxed processes: this one, or a reachable link or copy of it. */
export function sandboxNode(execPath = process.execPath): string {
  if (reachableByOthers(execPath)) return execPath;
  return once('node', () => {
    const node = join(sharedDir(), basename(execPath));
    try {
      linkSync(realpathSync(execPath), node);
    } catch {
      cpSync(realpathSync(execPath), node);
    }
    return node;
  });
}
