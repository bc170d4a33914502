// Points this test process's own environment at a private keyring session's bus: KeychainStore (and the binding)
// talk to the bus that process.env names, so an in-process store reaches the private Secret Service only so.
import type { KeyringSession } from "../../scripts/keyring-session.mjs";

const BUS_VARIABLES = ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] as const;

/** Sets the bus variables from `session` and returns what puts the previous values back (unset ones unset). */
export function useSessionBus(session: KeyringSession): () => void {
  const saved = BUS_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of BUS_VARIABLES) process.env[name] = session.env[name];
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
