// TOKEN arguments: a uuid, a unique uuid prefix (`list` shows the first 8 characters on a terminal) or an
// exact label. Labels need not be unique on the Hub, so a label that names two tokens is refused, not guessed.
import type { IOStreams } from "../cli/io.js";
import { HubpatError } from "../errors.js";
import type { Hub, Token } from "../hub/types.js";
import { tokenName } from "./token-view.js";

/** Shortest uuid prefix accepted, so "a" does not quietly pick a token. */
const MIN_PREFIX = 4;

/** The token `arg` names among `tokens` (PATs or organization tokens); an unknown or ambiguous name is an error listing what matched. */
export function pickToken<T extends Pick<Token, "id" | "label">>(tokens: readonly T[], arg: string): T {
  const wanted = arg.toLowerCase();
  const exact = tokens.find((t) => t.id.toLowerCase() === wanted);
  if (exact) return exact;
  const byPrefix = wanted.length >= MIN_PREFIX && /^[0-9a-f-]+$/.test(wanted) ? tokens.filter((t) => t.id.toLowerCase().startsWith(wanted)) : [];
  const matches = [...new Set([...tokens.filter((t) => t.label === arg), ...byPrefix])];
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    // "73f": a prefix too short to be taken, though it begins some ids. Say so rather than "no such token".
    const short = wanted.length < MIN_PREFIX && /^[0-9a-f]+$/.test(wanted) ? tokens.filter((t) => t.id.toLowerCase().startsWith(wanted)) : [];
    if (short.length > 0) {
      throw new HubpatError(`"${arg}" is too short for an id prefix: give at least ${MIN_PREFIX} characters (it begins ${short.length === 1 ? "the id of" : "the ids of"} ${short.map(tokenName).join(", ")})`, { hint: "see: hub-tokens list" });
    }
    throw new HubpatError(`no token has the id or label "${arg}"`, { hint: "see: hub-tokens list" });
  }
  const named = matches.map(tokenName).join(", ");
  throw new HubpatError(`"${arg}" matches ${matches.length} tokens: ${named}`, { hint: "name one by its id" });
}

/** Warns when `label` is already another token's: labels need not be unique on the Hub, but then only ids tell them apart. */
export function warnDuplicateLabel(io: Pick<IOStreams, "warn">, others: readonly Pick<Token, "id" | "label">[], label: string): void {
  const same = others.filter((t) => t.label === label);
  if (same.length > 0) io.warn(`${same.map(tokenName).join(", ")} ${same.length === 1 ? "is" : "are"} labelled ${label} too: name ${same.length === 1 ? "each" : "them"} by id from now on`);
}

/** Every token the arguments name, each once, in argument order. */
export function pickTokens<T extends Pick<Token, "id" | "label">>(tokens: readonly T[], args: readonly string[]): T[] {
  return [...new Set(args.map((arg) => pickToken(tokens, arg)))];
}

/** Lists the account's tokens (all pages) and picks the ones `args` name. */
export async function resolveTokens(hub: Hub, args: readonly string[]): Promise<Token[]> {
  return pickTokens((await hub.listTokens()).tokens, args);
}
