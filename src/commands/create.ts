// Creates a PAT. Its secret is shown once, alone on stdout, as the Hub page shows it once; with
// --docker-login it goes straight into the keychain item Docker reads, and is never shown at all.
import { DOCKER_HUB_KEY, type Deps } from "../cli/deps.js";
import { isoTime } from "../cli/io.js";
import type { Prompter } from "../cli/prompter.js";
import { requireSession } from "../cli/session.js";
import { HubpatError, UsageError } from "../errors.js";
import { requireWorkingStore } from "../store/choice.js";
import { SCOPE_WORDING, type TokenScope } from "../hub/types.js";
import { warnDuplicateLabel } from "./resolve.js";
import { confirmDockerAccount } from "./docker-account.js";
import { dockerUsesHelper } from "./status.js";
import { scopeWording, storedForDocker, takeBackUndelivered, tokenJson, tokenName, tokenStatus, type DockerHeld } from "./token-view.js";
import { NotFoundError } from "../hub/errors.js";
import type { Hub, Token } from "../hub/types.js";

export interface CreateOptions {
  label?: string;
  /** The Hub's wording ("Read-only") or the API name (repo:read, read). */
  scope?: string;
  /** 30d, 60d, 90d, 1y, never, or a date. */
  expires?: string;
  dockerLogin: boolean;
  /**
   * With --docker-login, when Docker holds an earlier hubpat token: deactivate it (`--replace`) or leave it
   * (`--keep-old`). Either also answers yes when Docker holds another account's token.
   */
  replace?: boolean;
  keepOld?: boolean;
  json: boolean;
}

const SCOPES = Object.keys(SCOPE_WORDING) as TokenScope[];
const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");

/** A scope from the Hub's words or the API's names, in any case and punctuation. */
export function parseScope(text: string): TokenScope {
  const want = squash(text);
  const found = SCOPES.find((s) => [squash(s), squash(s.slice("repo:".length)), squash(SCOPE_WORDING[s])].includes(want));
  if (!found) {
    const names = SCOPES.map((s) => `"${SCOPE_WORDING[s]}" (${s})`).join(", ");
    throw new UsageError(`unknown scope "${text}": use one of ${names}`);
  }
  return found;
}

/** The Hub page's expiry presets. */
const EXPIRY_PRESETS = { "30d": 30, "60d": 60, "90d": 90, "1y": 365, never: undefined } as const;
type Preset = keyof typeof EXPIRY_PRESETS;
/** The presets as the Hub page words them. */
const PRESET_NAMES: Record<Preset, string> = { "30d": "30 days", "60d": "60 days", "90d": "90 days", "1y": "1 year", never: "None" };

/** The expiry question of `create` and `create --org`: the Hub page's presets, in its words, 30 days picked. */
export function askExpiry(prompter: Prompter): Promise<Preset> {
  return prompter.select("Expiration date:", (Object.keys(EXPIRY_PRESETS) as Preset[]).map((p) => ({ value: p, name: PRESET_NAMES[p] })), { default: "30d" });
}

/** When a token made now with `--expires text` expires; undefined for never. */
export function parseExpiry(text: string, now: Date): Date | undefined {
  if (text in EXPIRY_PRESETS) {
    const days = EXPIRY_PRESETS[text as Preset];
    return days === undefined ? undefined : new Date(now.getTime() + days * 86_400_000);
  }
  const date = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError(`unknown expiry "${text}": use 30d, 60d, 90d, 1y, never or a date such as 2027-01-31`);
  if (date.getTime() <= now.getTime()) throw new UsageError(`expiry ${text} is in the past`);
  return date;
}

const labelFits = (label: string) => label.trim().length >= 1 && label.trim().length <= 100;

/** Token labels, as the Hub allows them. */
export function checkLabel(label: string): string {
  if (!labelFits(label)) throw new UsageError("a token label has 1 to 100 characters");
  return label.trim();
}

/** `--label` when given, else asked as `question` ("Token description:", "Token name:"), checked either way. */
export async function labelFrom(given: string | undefined, prompter: Prompter, question: string): Promise<string> {
  return checkLabel(given ?? (await prompter.input(question, { validate: (v) => labelFits(v) || "1 to 100 characters" })));
}

/** Throws the usage error a given --label, --scope or --expires deserves (create and create --org). */
export function checkGivenDetails(opts: { label?: string; scope?: string; expires?: string }, now: Date): void {
  if (opts.label !== undefined) checkLabel(opts.label);
  if (opts.scope !== undefined) parseScope(opts.scope);
  if (opts.expires !== undefined) parseExpiry(opts.expires, now);
}

export async function runCreate(opts: CreateOptions, deps: Pick<Deps, "io" | "prompter" | "hub" | "store" | "sessions" | "hubUrl" | "clock" | "dockerConfigPath" | "storeKind" | "checkStore">): Promise<void> {
  const { io, prompter } = deps;
  // Wrong or missing flags are said first (exit 2), before the session is looked at; prompts come after it, so
  // nobody answers three questions to be told they are not logged in.
  checkGivenDetails(opts, deps.clock());
  const missing = [opts.label === undefined && "--label", opts.scope === undefined && "--scope", opts.expires === undefined && "--expires"].filter(Boolean);
  if (missing.length > 0 && !io.canPrompt()) throw new UsageError(`no terminal to ask for the token's details: pass ${missing.join(", ")}`);
  const session = await requireSession(deps);
  // --docker-login stores the token: a store that can't keep it fails before any question or any token.
  if (opts.dockerLogin) await requireWorkingStore({ kind: deps.storeKind, check: deps.checkStore });
  const heldBefore = opts.dockerLogin ? await confirmDockerAccount(deps, session.username, opts.replace === true || opts.keepOld === true) : null;

  const label = await labelFrom(opts.label, prompter, "Token description:");
  const scope = opts.scope !== undefined ? parseScope(opts.scope) : await prompter.select("Access permissions:", SCOPES.map((s) => ({ value: s, name: SCOPE_WORDING[s] })), { default: "repo:read" });
  const expires = opts.expires ?? (await askExpiry(prompter));
  const expiresAt = parseExpiry(expires, deps.clock());

  const hub = await deps.hub(session);
  // --docker-login must know whether the token Docker holds now is still live on the Hub, to say it is replaced
  // and ask what becomes of it, before anything is made.
  // Another account's token can't be retired with this session: only the same account's is looked at.
  const replaced = heldBefore && heldBefore.username === session.username ? await replacedToken(opts, { ...deps, hub }, heldBefore) : undefined;
  const created = await io.progress("Creating token", () => hub.createToken({ label, scopes: [scope], ...(expiresAt ? { expiresAt } : {}) }));
  // A label another token has is worth a word. Asked after the create, so a Hub that fails this list has
  // already made the token (and a failure here is only a missing warning).
  const others = await io.progress("Checking labels", () => hub.listTokens()).then((l) => l.tokens.filter((t) => t.id !== created.id), () => []);
  warnDuplicateLabel(io, others, label);
  const summary = `${io.color.bold(tokenName(created))}: ${scopeWording(created)}, ${created.expiresAt ? `expires ${isoTime(created.expiresAt)}` : "never expires"}`;

  if (opts.dockerLogin) {
    try {
      await deps.store.set(DOCKER_HUB_KEY, { username: session.username, secret: created.secret, tokenId: created.id });
    } catch (err) {
      // A token nobody can ever read again is litter on the account: take it back.
      await hub.deleteToken(created.id).catch(() => undefined);
      throw new HubpatError(`created ${tokenName(created)} but could not store it for Docker, so deleted it again`, { cause: err });
    }
    // What Docker holds is what was just stored: no need to read it back for the JSON's usedByDocker.
    if (opts.json) io.json(tokenJson(created, deps.clock(), storedForDocker(created, session.username)));
    io.info(`${io.color.green("✓")} Created ${summary}`);
    io.info(`  Stored for Docker (${DOCKER_HUB_KEY}) as ${session.username}, secret …${created.secret.slice(-4)}`);
    if (replaced) await retire(replaced, hub, deps);
    if ((await dockerUsesHelper(deps.dockerConfigPath)) !== "yes") {
      io.warn(`Docker does not ask hubpat for credentials yet: set "credsStore": "hubpat" in ${deps.dockerConfigPath}`);
    }
    return;
  }

  if (opts.json) io.json({ ...tokenJson(created, deps.clock(), null), secret: created.secret });
  else io.print(created.secret);
  // The secret is shown this once: a reader that went away (`| head -0`, a closed pipe) got nothing, and a token
  // nobody can read is litter on the account, as when --docker-login can't store it.
  await takeBackUndelivered(io, tokenName(created), () => hub.deleteToken(created.id), "create", `hub-tokens delete ${created.id}`);
  io.info(`${io.color.green("✓")} Created ${summary}`);
  if (io.isStderrTTY && !opts.json) {
    io.info(`  Copy it now: the Hub never shows it again. Use it as the password of: docker login --username ${session.username}`);
  }
}

/** The live token `create --docker-login` takes Docker's place from, and whether to deactivate it once replaced. */
interface Replaced {
  token: Token;
  deactivate: boolean;
}

/**
 * What Docker holds now, when it is a hubpat token still active on the Hub: named, and asked about on a terminal
 * (deactivate it once the new one is stored?), or decided by --replace / --keep-old elsewhere. A credential
 * hubpat did not create is only named: which token it is, the Hub can't say.
 */
async function replacedToken(opts: CreateOptions, deps: Pick<Deps, "io" | "prompter" | "clock"> & { hub: Hub }, held: DockerHeld): Promise<Replaced | undefined> {
  const { io } = deps;
  if (!held.tokenId) {
    io.warn(`Docker's Docker Hub credential for ${held.username}${held.hint ? ` (secret ${held.hint})` : ""} will be replaced; hubpat did not create it, so it can't tell which token it was`);
    return undefined;
  }
  const old = await io.progress("Checking Docker's token", () => deps.hub.getToken(held.tokenId!)).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined; // deleted meanwhile: nothing to retire
    throw err;
  });
  if (!old || tokenStatus(old, deps.clock()) !== "active") return undefined;
  const name = tokenName(old);
  if (opts.replace || opts.keepOld) {
    return { token: old, deactivate: opts.replace === true };
  }
  if (!io.canPrompt()) {
    throw new UsageError(`Docker holds ${name}, still active: pass --replace to deactivate it once the new token is stored, or --keep-old to leave it active`);
  }
  io.info(`Docker holds ${name} now; the new token takes its place.`);
  return { token: old, deactivate: await deps.prompter.confirm(`Deactivate ${name} once the new token is stored?`, { default: true }) };
}

/** After the new token is stored: deactivates the one it replaced, or says it is left active. */
async function retire(replaced: Replaced, hub: Hub, deps: Pick<Deps, "io">): Promise<void> {
  const { io } = deps;
  const name = tokenName(replaced.token);
  if (!replaced.deactivate) {
    io.info(`  ${name} stays active, though Docker no longer uses it (hub-tokens deactivate ${replaced.token.id})`);
    return;
  }
  try {
    await io.progress(`Deactivating ${replaced.token.label}`, () => hub.updateToken(replaced.token.id, { isActive: false }));
    io.info(`${io.color.green("✓")} Deactivated ${name}, which Docker used before`);
  } catch (err) {
    throw new HubpatError(`the new token is stored for Docker, but ${name} could not be deactivated: it still works`, { cause: err, hint: `run: hub-tokens deactivate ${replaced.token.id}` });
  }
}
