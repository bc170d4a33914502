// The three sets of tokens that list, delete, audit and prune select by, defined once. They overlap on purpose:
// the Hub keeps expiry apart from is_active, so a token deactivated and then past its expiry date is both
// inactive and expired, and `delete --inactive` deletes it as `list --inactive` shows it. (The one status a
// table shows for it is tokenStatus in token-view.ts: "expired" wins there.)
import type { Token } from "../hub/types.js";

export type TokenSet = "active" | "inactive" | "expired";

type Judged = Pick<Token, "expiresAt" | "isActive">;

const isPast = (t: Judged, now: Date) => t.expiresAt !== undefined && t.expiresAt.getTime() <= now.getTime();

/** Whether `token` is in `set` at `now`. */
export function inTokenSet(set: TokenSet, token: Judged, now: Date): boolean {
  switch (set) {
    case "active":
      return token.isActive && !isPast(token, now);
    case "inactive":
      return !token.isActive;
    case "expired":
      return isPast(token, now);
  }
}

/** Each set in words, for the commands' help. */
export const TOKEN_SET_WORDS: Record<TokenSet, string> = {
  active: "active: not deactivated and not past its expiry date",
  inactive: "inactive: deactivated (is_active false), expired or not",
  expired: "expired: past its expiry date, deactivated or not",
};

/** The help paragraph list, delete, audit and prune end with. */
export const TOKEN_SETS_HELP = `\nToken sets (the same in list, delete, audit and prune):\n${Object.values(TOKEN_SET_WORDS).map((w) => `  ${w}`).join("\n")}\n`;
