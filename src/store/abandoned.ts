// Keychain calls that timed out while a native thread still runs them. Its own module so the helper can ask after
// every answer without loading the keychain store (and its node:net and node:crypto, about 6 ms of CPU in the Bun
// executable) when another store answered, or none (`version`).
let abandoned = 0;

/** Counts a call given up on while it may still be running. */
export function noteAbandonedCall(): void {
  abandoned++;
}

/**
 * Whether a keychain call timed out and is still running in a native thread. Node can't exit while one is
 * (process.exit waits for the thread pool), so the helper then ends itself with SIGKILL after answering.
 */
export function hasAbandonedCalls(): boolean {
  return abandoned > 0;
}
