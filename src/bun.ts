// The parts of Bun's global API hubpat uses, typed here (bun-types is not a dependency), and `bun`: that global
// under Bun, undefined under Node. The helper's hot path uses these instead of node: built-ins where Bun's own
// are cheaper to load: measured in compiled test programs (CPU per process, 60 runs round-robin), loading node:fs
// costs about 1.7 ms, node:net about 8 ms and node:crypto about 4 ms, where Bun.file, Bun.write, Bun.stdin,
// Bun.connect and Web Crypto cost under 0.5 ms together. A credential lookup is about 12 ms in all.

/** A file Bun can read lazily (Bun.file, Bun.stdin). */
export interface BunFile {
  text(): Promise<string>;
  stream(): ReadableStream<Uint8Array>;
}

/** A unix socket opened by Bun.connect. */
export interface BunSocket {
  /** Writes what the kernel takes now and returns how many bytes that was; the rest waits for `drain`. */
  write(data: Uint8Array): number;
  ref(): void;
  unref(): void;
  end(): void;
  terminate(): void;
}

/** The handlers Bun.connect calls. */
export interface BunSocketHandlers {
  data(socket: BunSocket, chunk: Buffer): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

export interface BunRuntime {
  /** The entry's path inside the executable: /$bunfs/root/hubpat (B:\~BUN\root\hubpat.exe on Windows). */
  main: string;
  CryptoHasher: new (algorithm: "sha256") => { update(data: Uint8Array): { digest(encoding: "hex"): string } };
  file(path: string): BunFile;
  stdin: BunFile;
  stdout: unknown;
  /** Writes all of `data` to a path or to Bun.stdout; rejects with the errno error (EPIPE, EACCES…). */
  write(destination: string | unknown, data: string | Uint8Array): Promise<number>;
  connect(options: { unix: string; socket: BunSocketHandlers }): Promise<BunSocket>;
  /** Scales JavaScriptCore's JIT tier-up thresholds (1 = normal); the executable starts at scripts/package.mjs's JIT_POLICY. */
  unsafe: { setJITPolicy(scale: number): void };
}

/** Bun's global when running under Bun, else undefined. */
export const bun: BunRuntime | undefined = (globalThis as { Bun?: BunRuntime }).Bun;
