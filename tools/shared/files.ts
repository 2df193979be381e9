// The files below a folder, for the tools that copy, pack, watch or check trees of files.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file (not folder) below `dir`, as absolute paths in sorted order; none if `dir` is missing. */
export function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return [];
  }
  const isFile = (path: string) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false; // removed while we looked (an editor saving, a cleanup)
    }
  };
  return names
    .map((name) => join(dir, name))
    .filter(isFile)
    .sort();
}
