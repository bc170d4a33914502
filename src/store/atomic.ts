// One synchronous atomic write, for the two files hubpat writes on a start-up path: the insecure-storage
// credentials (src/store/file.ts) and the single executable's cached keyring binding (src/sea/binding-cache.ts).
// Only node: built-ins, and not node:crypto (about 4 ms to load): the helper may run this on a credential lookup.
// node:fs is loaded when a write happens, not with this module (it is on the Bun executable's start-up path).

/**
 * Writes `data` to a new 0600 file beside `path` and renames it over `path`, so a reader sees the old file or the
 * new one, never half of one. `fsync` flushes the data before the rename (for files whose loss would cost secrets).
 * On failure the temporary file is removed and the error is thrown as it came.
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: { fsync?: boolean } = {}): void {
  // The name only has to be unused: "wx" refuses an existing file rather than sharing it.
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  const { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } = process.getBuiltinModule("node:fs");
  let fd: number | undefined;
  try {
    fd = openSync(tmp, "wx", 0o600);
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    if (options.fsync) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}

/** Whether process `pid` exists (EPERM: it does, as another user): a lock or temp file's writer still running. */
export function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
