// `hub-tokens switch NAME`: the account later commands use when --account does not say (gh auth switch).
import type { Deps } from "../cli/deps.js";
import { listAccounts, migrateLegacy } from "../cli/session.js";
import { AuthError } from "../errors.js";

export interface SwitchOptions {
  account: string;
}

export async function runSwitch(opts: SwitchOptions, deps: Pick<Deps, "io" | "sessions" | "hubUrl" | "config">): Promise<void> {
  await migrateLegacy(deps);
  const accounts = (await listAccounts(deps)).map((a) => a.name);
  if (!accounts.includes(opts.account)) {
    throw new AuthError(
      accounts.length === 0 ? `no account is logged in to ${deps.hubUrl}` : `${opts.account} is not logged in to ${deps.hubUrl} (logged in: ${accounts.join(", ")})`,
      { hint: `run: hub-tokens login -u ${opts.account}, or hub-tokens login --web` },
    );
  }
  const before = deps.config.accounts(deps.hubUrl);
  deps.config.setAccounts(deps.hubUrl, { default: opts.account, names: accounts });
  const { io } = deps;
  io.info(before.default === opts.account ? `${opts.account} is already the default account` : `${io.color.green("✓")} ${io.color.bold(opts.account)} is now the default account for ${deps.hubUrl}`);
}
