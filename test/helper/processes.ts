// Process-level plumbing for the helper's fuzz, model and concurrency tests: spawn a credential helper the way
// Docker does (exec, no shell, all of stdin then EOF) and read what the Secret Service holds through libsecret's
// own secret-tool, so a bug in our keyring binding can't hide itself.
import { spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";
import { ROOT, runProcess as spawnProcess, type ProcessResult } from "../fakes/helper-process.js";

export { ROOT };
/** The pinned Node (devDependency), whatever Node runs vitest. */
export const NODE = join(ROOT, "node_modules", ".bin", "node");
/** The built helper as npm installs it: the bin script, run by the pinned Node. */
export const HUBPAT = [NODE, join(ROOT, "bin", "docker-credential-hubpat.cjs")];
/** Docker's own Secret Service helper (Debian golang-docker-credential-helpers), when installed. */
export const GO_HELPER = "/usr/bin/docker-credential-secretservice";

/** A V8 or Go stack frame: never allowed in anything the helper prints. */
export const STACK_TRACE = /^\s+at .*(:\d+:\d+|<anonymous>|native)\)?$|^goroutine \d+ \[|\.go:\d+ \+0x/m;

/** How a process ended (the shared runner's result). */
export type Exit = ProcessResult;

/** `env` with the repository's node_modules/.bin first on PATH, so `#!/usr/bin/env node` finds the pinned Node. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: [join(ROOT, "node_modules", ".bin"), env.PATH ?? ""].join(delimiter) };
}

/** Runs `command ...args` with the pinned Node first on PATH; see runProcess in test/fakes/helper-process.ts. */
export function runProcess(command: readonly string[], args: readonly string[], input: string | Uint8Array, env: NodeJS.ProcessEnv, boundMs = 60_000): Promise<Exit> {
  return spawnProcess(command, args, input, childEnv(env), boundMs);
}

/** Runs the built hubpat helper with one invocation: the npm bundle, or another build's argv (helperCommands). */
export function hubpat(args: readonly string[], input: string | Uint8Array, env: NodeJS.ProcessEnv, command: readonly string[] = HUBPAT): Promise<Exit> {
  return runProcess(command, args, input, env);
}

export interface KeyringItem {
  path: string;
  label: string;
  account: string;
  secret: string;
}

/**
 * Every item of `service` as libsecret sees it, sorted by account then path. secret-tool prints the attributes on
 * stderr, apart from their items, so the account is read from the label hubpat gives every item (accountInLabel).
 */
export function keyringItems(env: NodeJS.ProcessEnv, service = "docker-credential-hubpat"): KeyringItem[] {
  const out = spawnSync("secret-tool", ["search", "--all", "--unlock", "service", service], { env, encoding: "utf8" });
  const suffix = `@${service}`;
  return out.stdout
    .split(/^\[/m)
    .slice(1)
    .map((block) => {
      const label = /^label = (.*)$/m.exec(block)?.[1] ?? "";
      return {
        path: /^([^\]\n]*)\]/.exec(block)?.[1] ?? "",
        label,
        account: accountInLabel(label, suffix),
        secret: /^secret = (.*)$/m.exec(block)?.[1] ?? "",
      };
    })
    .sort((a, b) => (a.account === b.account ? a.path.localeCompare(b.path) : a.account < b.account ? -1 : 1));
}

/**
 * The account in a label "keyring:<account>@<service>", as the binding wrote it, or "keyring:<account>@<service>
 * (<username>)", as hubpat's own Secret Service client writes it; any other label is returned as it is.
 */
function accountInLabel(label: string, suffix: string): string {
  if (!label.startsWith("keyring:")) return label;
  const rest = label.slice("keyring:".length);
  if (rest.endsWith(suffix)) return rest.slice(0, -suffix.length);
  const at = rest.lastIndexOf(`${suffix} (`);
  return at >= 0 && rest.endsWith(")") ? rest.slice(0, at) : label;
}

/** Accounts that have more than one item: a key the Secret Service now answers ambiguously. */
export function duplicateAccounts(items: readonly KeyringItem[]): string[] {
  const seen = new Map<string, number>();
  for (const { account } of items) seen.set(account, (seen.get(account) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([account]) => account);
}
