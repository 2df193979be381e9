// The Node.js versions the tools run on: vitest 4's bundler needs a native binding that
// exists for ^20.19.0 || >=22.12.0, and `npm ci` skips it silently elsewhere, so an older
// Node fails later with a misleading error. Checked first, with one line that says what to do.
export const SUPPORTED = '^20.19.0 || >=22.12.0';

export function unsupportedNode(version = process.versions.node): string | undefined {
  const [major, minor] = version.split('.').map(Number);
  const ok = (major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23;
  if (ok) return undefined;
  return `This is Node.js ${version}; the grader needs Node.js 22.12 or newer (the current LTS is best; 20.19+ also works). Install it from https://nodejs.org, then run npm install again.`;
}

/** Exits with that line if this Node.js cannot run the tools. */
export function requireSupportedNode(): void {
  const problem = unsupportedNode();
  if (problem) {
    console.error(`error: ${problem}`);
    process.exit(1);
  }
}
