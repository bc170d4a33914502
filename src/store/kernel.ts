// The Linux kernel keyring: secrets in kernel memory only, gone at reboot, for CI runners and short-lived VMs.
//
// Layout: one "user" key per server URL in the user's keyring (@u, shared by every process of this uid, whatever
// session started it), described "hubpat:<service>:<server URL>", holding the same small JSON document as the
// keychain items: {"v":1,"username":…,"secret":…,"tokenId"?:…}. The key's permissions let this uid (not only its
// possessor) read it, so a helper started from a service with a private session keyring still finds it.
//
// Through keyutils' keyctl, not @napi-rs/keyring's "keyutils" store: that store adds each key to the session
// keyring and links it into the persistent keyring, and the link fails with EACCES (strace: KEYCTL_LINK -> EACCES,
// then "Couldn't access platform storage: AccessDenied") in every process that has no session keyring of its own:
// processes not started through PAM, which is how Docker, CI runners and this project's own tests start the
// helper. keyctl costs a process start per call (about 1 ms) and works there.
// Only node: built-ins here: the helper loads this on every credential lookup when the kernel is the store.
import { execFile } from "node:child_process";
import { roundTripCheck } from "./choice.js";
import { StoreUnusableError } from "./errors.js";
import { parseCredentialDoc, type CheckableStore, type StoredCredential, type StoreProblem } from "./store.js";

export interface KernelOptions {
  /** hubpat's service; part of each key's description. */
  service: string;
  /** PATH to find keyctl on; HUBPAT_KERNEL_KEYRING names another keyring than @u (an id or keyctl's @ names). */
  env?: NodeJS.ProcessEnv;
}

/** A user key's payload is at most 32767 bytes (the kernel's limit for the "user" type). */
const MAX_PAYLOAD = 32_767;
const TIMEOUT_MS = 10_000;
const INSTALL_FIX = "install keyutils (Debian and Ubuntu: sudo apt install keyutils), or choose another store: hub-tokens setup --store KIND";
const SECCOMP_FIX = "run the container with a seccomp profile that allows keyctl, add_key and request_key (Docker's default blocks them), or choose another store: hub-tokens setup --store file";

/** CheckableStore over the kernel's user keyring. */
export class KernelStore implements CheckableStore {
  readonly kind = "kernel" as const;
  private readonly prefix: string;
  private readonly keyring: string;

  constructor(private readonly options: KernelOptions) {
    this.prefix = `hubpat:${options.service}:`;
    this.keyring = options.env?.HUBPAT_KERNEL_KEYRING?.trim() || "@u";
  }

  describe(): string {
    const which = this.keyring === "@u" ? "the kernel's user keyring @u" : `the kernel keyring ${this.keyring}`;
    return `${which} (memory only, gone at reboot), keys "${this.prefix}<server URL>"`;
  }

  async check(): Promise<StoreProblem | null> {
    return roundTripCheck(new KernelStore({ ...this.options, service: "hubpat-doctor" }), "the kernel keyring");
  }

  async get(serverURL: string): Promise<StoredCredential | null> {
    const id = await this.find(serverURL);
    if (id === null) return null;
    const raw = await this.keyctl(["pipe", id]).catch((err: unknown) => {
      if (err instanceof Gone) return null; // erased meanwhile
      throw err;
    });
    return raw === null ? null : decode(serverURL, raw);
  }

  async set(serverURL: string, credential: StoredCredential): Promise<void> {
    const doc = JSON.stringify({ v: 1, username: credential.username, secret: credential.secret, ...(credential.tokenId ? { tokenId: credential.tokenId } : {}) });
    if (Buffer.byteLength(doc) > MAX_PAYLOAD) {
      throw new StoreUnusableError(`the kernel keyring can't keep a secret this long (${Buffer.byteLength(credential.secret)} bytes; a key holds at most ${MAX_PAYLOAD})`, "choose another store for it: hub-tokens setup --store KIND");
    }
    // padd replaces a key of the same type and description in @u: one key per server URL.
    const id = (await this.keyctl(["padd", "user", this.prefix + serverURL, this.keyring], doc)).trim();
    // Possessor: everything; this uid: view, read, write, search, link, setattr (a helper without @u in its session).
    await this.keyctl(["setperm", id, "0x3f3f0000"]).catch(() => undefined);
  }

  async delete(serverURL: string): Promise<boolean> {
    const id = await this.find(serverURL);
    if (id === null) return false;
    // Unlinked, not invalidated: an invalidated key stays listed until the kernel's garbage collector runs.
    await this.keyctl(["unlink", id, this.keyring]).catch((err: unknown) => {
      if (!(err instanceof Gone)) throw err;
    });
    return true;
  }

  async list(): Promise<Record<string, string>> {
    const ids = (await this.keyctl(["rlist", this.keyring])).trim().split(/\s+/).filter(Boolean);
    const out: Record<string, string> = {};
    await Promise.all(
      ids.map(async (id) => {
        // "user;0;0;3f3f0000;hubpat:docker-credential-hubpat:https://index.docker.io/v1/"
        const description = await this.keyctl(["rdescribe", id]).catch(() => "");
        const parts = description.replace(/\n$/, "").split(";");
        if (parts[0] !== "user") return;
        const desc = parts.slice(4).join(";");
        if (!desc.startsWith(this.prefix)) return;
        const url = desc.slice(this.prefix.length);
        try {
          const raw = await this.keyctl(["pipe", id]);
          out[url] = decode(url, raw).username;
        } catch {
          // erased meanwhile, or not hubpat's document: not a credential we serve
        }
      }),
    );
    return out;
  }

  /** The key's id, or null when there is none. */
  private async find(serverURL: string): Promise<string | null> {
    try {
      return (await this.keyctl(["search", this.keyring, "user", this.prefix + serverURL])).trim();
    } catch (err) {
      if (err instanceof Gone) return null;
      throw err;
    }
  }

  private keyctl(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile("keyctl", args, { env: this.options.env ?? process.env, timeout: TIMEOUT_MS, encoding: "utf8", maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(keyctlProblem(err as NodeJS.ErrnoException & { killed?: boolean }, stderr));
      });
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input ?? "");
    });
  }
}

/** The key is not there (ENOKEY, or revoked or expired meanwhile). */
class Gone extends Error {}

function keyctlProblem(err: NodeJS.ErrnoException & { killed?: boolean }, stderr: string): Error {
  if (err.code === "ENOENT") return new StoreUnusableError("keyctl is not installed (not found on PATH)", INSTALL_FIX);
  if (err.killed) return new StoreUnusableError(`keyctl did not answer in ${TIMEOUT_MS / 1000} s`, "check the machine's load, then run hub-tokens doctor");
  if (/Required key not available|Key has been revoked|Key has expired|No such file or directory/.test(stderr)) return new Gone(stderr.trim());
  if (/Operation not permitted/.test(stderr)) return new StoreUnusableError("the kernel refuses keyctl here (Operation not permitted): a container's seccomp profile blocks it", SECCOMP_FIX);
  if (/Function not implemented/.test(stderr)) return new StoreUnusableError("this kernel has no key management (keyctl: Function not implemented)", "choose another store: hub-tokens setup --store KIND");
  if (/Disk quota exceeded/.test(stderr)) return new StoreUnusableError("the kernel keyring quota of this user is full", "raise it (sudo sysctl -w kernel.keys.maxbytes=200000), or erase keys you don't need: keyctl show @u");
  if (/Permission denied/.test(stderr)) return new StoreUnusableError("the kernel refused access to the user keyring (Permission denied)", "run hubpat as the user who stored the secret; keyctl show @u lists the keys");
  const line = stderr.trim().split("\n").at(-1) ?? "";
  return new StoreUnusableError(`keyctl failed (${line.slice(0, 200) || `exit ${String(err.code)}`})`, "run hub-tokens doctor");
}

function decode(serverURL: string, raw: string): StoredCredential {
  const found = parseCredentialDoc(raw);
  if (found) return found;
  throw new StoreUnusableError(`the kernel key for ${serverURL} is not in hubpat's format`, "erase it with docker logout and log in again");
}
