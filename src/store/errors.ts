import { HubpatError } from "../errors.js";

/** Why the keychain could not answer; each has its own fix. */
export type KeychainProblem = "no-bus" | "no-service" | "locked" | "no-collection" | "timeout" | "unavailable" | "failed" | "file";

const FIX: Record<KeychainProblem, string> = {
  "no-bus": "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead): run inside a desktop session or start one with dbus-run-session",
  "no-service": "no Secret Service on the session bus: install and start gnome-keyring (or KeePassXC with Secret Service enabled)",
  locked: "the keychain is locked and the unlock was refused: unlock your login keyring (for example in Seahorse) and try again",
  // The provider's own fix replaces the generic one after the colon where hubpat knows the provider.
  "no-collection": "the Secret Service has no default collection to keep new items in: create a keyring (collection) in your keyring manager and make it the default",
  timeout: "the keychain did not answer in time: unlock it if it is waiting for a password, or restart the keyring daemon",
  unavailable: "the OS keychain is not available on this system",
  failed: "the keychain refused the request",
  file: "hubpat's credentials file (insecure storage) could not be used",
};

const NO_KEYCHAIN = new Set<KeychainProblem>(["no-bus", "no-service", "unavailable"]);

/** The OS keychain could not be used. The message never contains a secret: only the operation and the cause. */
export class KeychainError extends HubpatError {
  /** What is wrong, with the detail: the text before the fix. */
  readonly reason: string;
  /** The one-line fix, when the problem has one ("failed" and "unavailable" don't). */
  readonly fix: string | undefined;

  constructor(
    readonly problem: KeychainProblem,
    options?: { cause?: unknown; detail?: string; fix?: string },
  ) {
    const text = FIX[problem];
    const at = text.indexOf(": ");
    const reason = at < 0 ? text : text.slice(0, at);
    const fix = options?.fix ?? (at < 0 ? undefined : text.slice(at + 2));
    // Where there is no keychain at all, name the opt-in (hub-tokens prints hints; the helper's answer does not).
    const hint = NO_KEYCHAIN.has(problem) ? "with no keychain on this machine, hub-tokens --insecure-storage keeps secrets in a plain file" : undefined;
    const message = `${fix === undefined ? reason : `${reason}: ${fix}`}${options?.detail ? ` (${options.detail})` : ""}`;
    super(message, { ...(options?.cause === undefined ? {} : { cause: options.cause }), ...(hint ? { hint } : {}) });
    this.reason = options?.detail ? `${reason} (${options.detail})` : reason;
    this.fix = fix;
  }
}

/**
 * A store other than the OS keychain (pass, the kernel keyring, the file) can't be used, or the store choice names
 * none. The text is "problem: fix", like KeychainError's; doctor and check() show the two apart.
 */
export class StoreUnusableError extends HubpatError {
  constructor(
    readonly problem: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`${problem}: ${fix}`, options);
  }
}

/** Whether `err` is a store's own failure (unusable or unreachable), as opposed to a bug. */
export function isStoreError(err: unknown): err is KeychainError | StoreUnusableError {
  return err instanceof KeychainError || err instanceof StoreUnusableError;
}
