// The standard Unix password store (pass, over GPG), laid out exactly as Docker's docker-credential-pass lays it
// out (docker-credential-helpers pass/pass.go), so a person coming from it keeps every entry and can go back:
//
//   $PASSWORD_STORE_DIR/docker-credential-helpers/<base64url of the server URL, padded>/<username>.gpg
//
// holding the secret and nothing else (the Go helper returns the whole decrypted file, trailing newlines
// trimmed, as the secret). The server URL is base64url-encoded because pass names are paths and URLs hold "/".
// What the Go helper would not understand lives outside its folder: hubpat's other services under
// hubpat/<service>/ (same layout), and the token id hubpat notes beside Docker's credential under
// hubpat/token-ids/<base64url>, with a hash of the secret it belongs to, so a credential another helper replaced
// never keeps a stale id.
//
// Writes go through `pass insert` and `pass rm`, so per-folder .gpg-id recipients, the store's git history and
// extensions all apply. Reads call gpg directly (what `pass show` runs, without its shell start-up) with
// --status-fd, which tells "no secret key" from "the key needs a passphrase and there is no terminal to ask on".
// Off a terminal, gpg is told never to start pinentry (--pinentry-mode error); every call has a deadline.
// Only node: built-ins here: the helper loads this on every credential lookup when pass is the store.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { roundTripCheck } from "./choice.js";
import { StoreUnusableError } from "./errors.js";
import type { CheckableStore, StoredCredential, StoreProblem } from "./store.js";

/** docker-credential-pass's folder (PASS_FOLDER in pass/pass.go). */
export const DOCKER_PASS_FOLDER = "docker-credential-helpers";
/** The service whose items are Docker's, and so go to Docker's folder. */
const DOCKER_SERVICE = "docker-credential-hubpat";
const TOKEN_IDS_FOLDER = "hubpat/token-ids";
const DOCTOR = "hubpat-doctor";

export interface PassOptions {
  /** hubpat's service: "docker-credential-hubpat" goes to Docker's folder, any other to hubpat/<service>. */
  service: string;
  /** The environment pass and gpg run in: PASSWORD_STORE_DIR, GNUPGHOME, GPG_TTY, HOME, PATH. */
  env: NodeJS.ProcessEnv;
}

/** base64url as Go's base64.URLEncoding writes it: with "=" padding. */
export function encodeServerURL(serverURL: string): string {
  return Buffer.from(serverURL, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

/** The server URL a folder name stands for, or undefined when it is not strict padded base64url. */
export function decodeServerURL(name: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/.test(name)) return undefined;
  const text = Buffer.from(name.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
  return encodeServerURL(text) === name ? text : undefined;
}

/** The password store's directory, as pass and docker-credential-pass find it. */
export function passDir(env: NodeJS.ProcessEnv): string {
  return env.PASSWORD_STORE_DIR || join(env.HOME || homedir(), ".password-store");
}

/** Milliseconds a pass or gpg call may take: HUBPAT_KEYCHAIN_TIMEOUT_MS, else a minute (a person may be typing a passphrase). */
function timeoutFrom(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.HUBPAT_KEYCHAIN_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 60_000;
}

const INSTALL_FIX = "install pass and gnupg (Debian and Ubuntu: sudo apt install pass), or choose another store: hub-tokens setup --store KIND";
const INIT_FIX = "run: pass init YOUR-GPG-KEY-ID (gpg --list-secret-keys --keyid-format long shows yours; gpg --quick-gen-key makes one)";
const PASSPHRASE_FIX = "unlock the key once where gpg can ask (in a terminal: pass show any entry; gpg-agent then remembers it), or export GPG_TTY=$(tty) in your shell profile";

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

/** CheckableStore over pass, readable by docker-credential-pass. */
export class PassStore implements CheckableStore {
  readonly kind = "pass" as const;
  private readonly dir: string;
  private readonly folder: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: PassOptions) {
    this.dir = passDir(options.env);
    this.folder = options.service === DOCKER_SERVICE ? DOCKER_PASS_FOLDER : `hubpat/${options.service}`;
    this.timeoutMs = timeoutFrom(options.env);
  }

  describe(): string {
    return `the password store ${this.dir}, ${this.folder}/<base64url of the server URL>/<username>.gpg`;
  }

  async check(): Promise<StoreProblem | null> {
    const scratch = new PassStore({ ...this.options, service: DOCTOR });
    return roundTripCheck(scratch, `the password store ${this.dir}`);
  }

  async get(serverURL: string): Promise<StoredCredential | null> {
    const entryDir = join(this.dir, this.folder, encodeServerURL(serverURL));
    const username = firstUsername(entryDir);
    if (username === undefined) return null;
    const secretFile = join(entryDir, `${username}.gpg`);
    const metaFile = join(this.dir, TOKEN_IDS_FOLDER, `${encodeServerURL(serverURL)}.gpg`);
    const wantsMeta = this.folder === DOCKER_PASS_FOLDER && existsSync(metaFile);
    const [raw, meta] = await Promise.all([this.decrypt(secretFile), wantsMeta ? this.decrypt(metaFile).catch(() => null) : null]);
    if (raw === null) return null; // erased meanwhile
    // As docker-credential-pass reads it: the whole file, trailing newlines trimmed (pass 1.7.1+ adds one).
    const secret = raw.replace(/[\n\r]+$/, "");
    const tokenId = meta ? tokenIdFor(meta, username, secret) : undefined;
    return { username, secret, ...(tokenId ? { tokenId } : {}) };
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    checkUsername(credential.username);
    this.requireInitialised();
    const encoded = encodeServerURL(serverURL);
    const entryDir = join(this.dir, this.folder, encoded);
    const others = usernames(entryDir).filter((u) => u !== credential.username);
    await this.pass(["insert", "-f", "-m", `${this.folder}/${encoded}/${credential.username}`], credential.secret);
    // One username per server, as Docker's helper assumes: it serves the first name in the folder.
    for (const other of others) await this.pass(["rm", "-f", `${this.folder}/${encoded}/${other}`]);
    if (this.folder !== DOCKER_PASS_FOLDER) return;
    const meta = `${TOKEN_IDS_FOLDER}/${encoded}`;
    if (credential.tokenId) {
      await this.pass(["insert", "-f", "-m", meta], JSON.stringify({ v: 1, username: credential.username, tokenId: credential.tokenId, secretSha256: sha256(credential.secret) }));
    } else if (existsSync(join(this.dir, `${meta}.gpg`))) {
      await this.pass(["rm", "-f", meta]);
    }
  }

  async delete(serverURL: string): Promise<boolean> {
    const encoded = encodeServerURL(serverURL);
    const meta = `${TOKEN_IDS_FOLDER}/${encoded}`;
    if (this.folder === DOCKER_PASS_FOLDER && existsSync(join(this.dir, `${meta}.gpg`))) await this.pass(["rm", "-f", meta]);
    if (!isDir(join(this.dir, this.folder, encoded))) return false;
    // As docker-credential-pass erases: the server's whole folder.
    await this.pass(["rm", "-r", "-f", `${this.folder}/${encoded}`]).catch((err: unknown) => {
      if (isDir(join(this.dir, this.folder, encoded))) throw err; // erased by someone else meanwhile is fine
    });
    // hubpat's own folders go when empty (Docker's is left as docker-credential-pass leaves it).
    if (this.folder !== DOCKER_PASS_FOLDER) for (const dir of [this.folder, "hubpat"]) tryRmdir(join(this.dir, dir));
    return true;
  }

  async list(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let names: string[];
    try {
      names = readdirSync(join(this.dir, this.folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
      throw new StoreUnusableError(`can't read the password store ${this.dir} (${(err as NodeJS.ErrnoException).code ?? "error"})`, `check the directory's permissions: ls -ld ${this.dir}`, { cause: err });
    }
    for (const name of names) {
      // Folders another program left that are not base64url are not credentials: skip them, don't fail the list.
      const url = decodeServerURL(name);
      if (url === undefined) continue;
      const username = firstUsername(join(this.dir, this.folder, name));
      if (username !== undefined) out[url] = username;
    }
    return out;
  }

  /** Refuses, before pass creates any folder, a store that was never initialised. */
  private requireInitialised(): void {
    if (!existsSync(join(this.dir, ".gpg-id")) && !existsSync(join(this.dir, this.folder, ".gpg-id"))) {
      throw new StoreUnusableError(`the password store ${this.dir} is not initialised (it has no .gpg-id)`, INIT_FIX);
    }
  }

  /** Decrypts one file as `pass show` does; null when it is gone. */
  private async decrypt(file: string): Promise<string | null> {
    const args = ["--quiet", "--yes", "--batch", "--use-agent", "--status-fd", "2", ...(this.canAsk() ? [] : ["--pinentry-mode", "error"]), "--decrypt", file];
    const r = await this.run("gpg", args, "");
    if (r.code === 0) return r.stdout.toString("utf8");
    if (!existsSync(file)) return null;
    throw gpgProblem(r.stderr, "decrypt");
  }

  private async pass(args: string[], input = ""): Promise<void> {
    const env = this.canAsk() ? this.options.env : { ...this.options.env, PASSWORD_STORE_GPG_OPTS: `${this.options.env.PASSWORD_STORE_GPG_OPTS ?? ""} --pinentry-mode=error`.trim() };
    const r = await this.run("pass", args, input, env);
    if (r.code === 0) return;
    if (/pass init/.test(r.stderr)) throw new StoreUnusableError(`the password store ${this.dir} is not initialised`, INIT_FIX);
    throw gpgProblem(r.stderr, args[0] === "rm" ? "remove" : "encrypt");
  }

  /** Whether gpg may start pinentry: there is a terminal (GPG_TTY) or a display to ask on. */
  private canAsk(): boolean {
    const e = this.options.env;
    return Boolean(e.GPG_TTY || e.DISPLAY || e.WAYLAND_DISPLAY);
  }

  /** Runs a program with a deadline; ENOENT (not installed) and the deadline become StoreUnusableErrors. */
  private run(program: string, args: string[], input: string, env: NodeJS.ProcessEnv = this.options.env): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      // Its own process group, so a deadline ends pass and the gpg it started, not only the shell.
      const child = spawn(program, args, { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
      const out: Buffer[] = [];
      let err = "";
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
        reject(new StoreUnusableError(`${program} did not answer in ${Math.round(this.timeoutMs / 1000)} s (waiting for a passphrase?)`, PASSPHRASE_FIX));
      }, this.timeoutMs);
      timer.unref();
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => void (err += b.toString("utf8")));
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e.code === "ENOENT" ? new StoreUnusableError(`${program} is not installed (not found on PATH)`, INSTALL_FIX, { cause: e }) : e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(out), stderr: err, code });
      });
      child.stdin.on("error", () => undefined); // a child that exits before reading its input
      child.stdin.end(input);
    });
  }
}

/** What gpg's status lines and messages say went wrong, as one problem and its fix. Never quotes a secret (gpg prints none). */
function gpgProblem(stderr: string, what: "decrypt" | "encrypt" | "remove"): StoreUnusableError {
  if (/^\[GNUPG:\] NO_SECKEY/m.test(stderr) || (what === "decrypt" && /No secret key/.test(stderr) && !/KEY_CONSIDERED|PINENTRY_LAUNCHED/.test(stderr))) {
    return new StoreUnusableError("the password store is encrypted for a gpg key whose secret part is not in this keyring", `import that key (gpg --import), or re-encrypt the store for yours: ${INIT_FIX.replace("run: ", "")}`);
  }
  if (what === "decrypt" && /DECRYPTION_FAILED|No pinentry|Inappropriate ioctl|Operation cancelled|Timeout/i.test(stderr)) {
    return new StoreUnusableError("gpg needs the key's passphrase and has no terminal or display to ask on", PASSPHRASE_FIX);
  }
  if (/Unusable public key|expired|revoked|No public key/i.test(stderr)) {
    return new StoreUnusableError("the gpg key pass encrypts for is expired, revoked or missing", "extend it (gpg --quick-set-expire FINGERPRINT 1y), or re-encrypt the store for a good key: pass init YOUR-GPG-KEY-ID");
  }
  const line = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("[GNUPG:]") && !l.startsWith("mkdir:")).at(-1) ?? "no message";
  return new StoreUnusableError(`pass could not ${what} (${line.slice(0, 200)})`, "run hub-tokens doctor; pass and gpg must work for this user");
}

/** A username docker-credential-pass can keep as a file name. */
function checkUsername(username: string): void {
  if (username === "" || username === "." || username === ".." || /[/\0\r\n]/.test(username)) {
    throw new StoreUnusableError(
      `the pass store can't keep the username ${JSON.stringify(username.slice(0, 60))}: docker-credential-pass's layout makes it a file name`,
      "use a username without \"/\" or line breaks, or choose another store: hub-tokens setup --store KIND",
    );
  }
}

/** The usernames (.gpg files) in a server's folder, sorted by name as Go's os.ReadDir sorts them. */
function usernames(entryDir: string): string[] {
  try {
    return readdirSync(entryDir, { withFileTypes: true })
      .filter((e) => !e.isDirectory() && e.name.endsWith(".gpg"))
      .map((e) => e.name.slice(0, -4))
      .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
  } catch {
    return [];
  }
}

/** The username docker-credential-pass would serve: the first in the folder. */
function firstUsername(entryDir: string): string | undefined {
  return usernames(entryDir)[0];
}

function tryRmdir(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty, or gone
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The token id the note records, if it belongs to exactly this username and secret. */
function tokenIdFor(raw: string, username: string, secret: string): string | undefined {
  try {
    const doc = JSON.parse(raw) as { username?: unknown; tokenId?: unknown; secretSha256?: unknown };
    if (doc.username === username && doc.secretSha256 === sha256(secret) && typeof doc.tokenId === "string") return doc.tokenId;
  } catch {
    // not ours: no id
  }
  return undefined;
}
