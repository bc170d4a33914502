// Whether hubpat runs as the single executable (Bun's or Node's), for `install`: from npm there is no one file
// to copy. Bun has no node:sea; its embedded files live under /$bunfs/ (B:\~BUN\ on Windows).
type BunGlobal = { main: string };

/** Whether the running program is hubpat's single executable rather than the npm package on a Node. */
export function isSingleExecutable(): boolean {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun) return isEmbeddedPath(bun.main);
  return process.getBuiltinModule("node:sea")?.isSea() ?? false;
}

/** Whether a module path is inside a Bun executable's embedded file system. */
export function isEmbeddedPath(path: string): boolean {
  return path.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(path);
}
