// Checks, one line each, everything between `docker pull` and a working Docker Hub token: the helper on PATH,
// Docker's config, the session bus and Secret Service, a keychain round trip, the Hub session, the Hub itself,
// the token Docker holds (asked of the registry's token service, as `docker login` would) and tokens about to
// expire. A failed check names its fix. Exit 0 only when no check failed; warnings don't count.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";
import { DOCKER_HUB_KEY, DOCTOR_SERVICE, type Deps, type HostInfo } from "../cli/deps.js";
import { isoTime, relativeTime } from "../cli/io.js";
import { isExpired, readSession } from "../cli/session.js";
import { lookPath, RELATIVE_HELPER_FIX, relativeHelperProblem } from "../docker/helper.js";
import { AuthError, HubpatError, messageOf } from "../errors.js";
import type { Token } from "../hub/types.js";
import { KeychainError } from "../store/errors.js";
import type { StoredCredential, StoreKind } from "../store/store.js";
import { VERSION } from "../version.js";
import { expiresWithin } from "./audit.js";
import { dockerUsesHelper } from "./status.js";
import { secretHint, tokenName, tokenStatus } from "./token-view.js";

export interface DoctorOptions {
  /** Tokens expiring within this many days are flagged. */
  expiringDays: number;
  json: boolean;
}

/** ok ✓, fail ✗ (blocking), warn ! (worth knowing, not blocking), skip - (could not be checked). */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

/** One line of the report. */
export interface Check {
  id: string;
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** The helper's file name, as Docker looks it up on PATH (`docker-credential-` + credsStore). */
const HELPER_FILE = "docker-credential-hubpat";
const HELPER_TIMEOUT_MS = 5_000;
const BUS_TIMEOUT_MS = 2_000;
/** A session ending sooner than this is flagged. */
const SESSION_WARN_MS = 86_400_000;

type DoctorDeps = Pick<Deps, "io" | "store" | "sessions" | "hubUrl" | "clock" | "connect" | "dockerConfigPath" | "host"> & Partial<Pick<Deps, "storeDescription">>;

export async function runDoctor(opts: DoctorOptions, deps: DoctorDeps): Promise<void> {
  const { io } = deps;
  if (!deps.host) throw new HubpatError("doctor needs the machine's environment, and none was given");
  const host = deps.host;
  const checks: Check[] = [];
  const add = (c: Check) => void checks.push(c);

  add(await checkHelper(host));
  add(await checkDockerConfig(deps.dockerConfigPath));
  const kind = host.storeKind ?? (host.insecureStorage ? "file" : "keychain");
  if (deps.storeDescription && host.storeKind) add(storeLine(kind, deps.storeDescription, host.storeChosenBy));
  const keychain = kind === "keychain" || !host.storeKind ? await checkKeychain(host) : await checkStore(kind, host);
  for (const c of keychain) add(c);
  // Reads below fail the same way when the keychain is broken: say it once, above, not on every line.
  const keychainBroken = keychain.some((c) => c.status === "fail");
  const unread = (c: Omit<Check, "status" | "detail">, err: unknown, what: string): Check =>
    keychainBroken ? { ...c, status: "skip", detail: "needs a working keychain" } : { ...c, status: "fail", detail: `can't read ${what}: ${messageOf(err)}` };

  // The session, and through it whether the Hub answers and what tokens there are.
  const now = deps.clock();
  const session = await readSession(deps).catch((err: unknown) => err as Error);
  let tokens: Token[] | undefined;
  if (session instanceof Error) {
    add(unread({ id: "hubSession", name: "Hub session" }, session, "the session"));
    add(await reachable(deps));
  } else if (!session) {
    add({ id: "hubSession", name: "Hub session", status: "fail", detail: `not logged in to ${deps.hubUrl}`, fix: "hub-tokens login" });
    add(await reachable(deps));
  } else if (isExpired(session, now)) {
    add({ id: "hubSession", name: "Hub session", status: "fail", detail: `${session.username}'s session expired ${relativeTime(session.expiresAt, now)} (${isoTime(session.expiresAt)})`, fix: "hub-tokens login" });
    add(await reachable(deps));
  } else {
    const until = session.expiresAt ? `valid until ${isoTime(session.expiresAt)} (${relativeTime(session.expiresAt, now)})` : "valid, no expiry";
    try {
      const hub = await deps.connect(session.token);
      tokens = (await io.progress("Asking Docker Hub", () => hub.listTokens())).tokens;
      // A session about to end is worth a login now rather than a failure in the middle of a rotate.
      const endsSoon = session.expiresAt !== undefined && session.expiresAt.getTime() - now.getTime() < SESSION_WARN_MS;
      add({ id: "hubSession", name: "Hub session", status: endsSoon ? "warn" : "ok", detail: `${session.username}, ${until}`, ...(endsSoon ? { fix: "hub-tokens login" } : {}) });
      add({ id: "hubReachable", name: "Hub reachable", status: "ok", detail: `${deps.hubUrl} answered` });
    } catch (err) {
      if (err instanceof AuthError) {
        add({ id: "hubSession", name: "Hub session", status: "fail", detail: `Docker Hub refused ${session.username}'s session: it expired or was revoked`, fix: "hub-tokens login" });
        add({ id: "hubReachable", name: "Hub reachable", status: "ok", detail: `${deps.hubUrl} answered` });
      } else {
        add({ id: "hubSession", name: "Hub session", status: "skip", detail: `${session.username}, ${until}, but not confirmed by the Hub` });
        add({ id: "hubReachable", name: "Hub reachable", status: "fail", detail: messageOf(err), fix: UNREACHABLE_FIX });
      }
    }
  }

  // Docker's credential, read once: checked on its own line, and marked [docker] among the expiring tokens.
  const held = await deps.store.get(DOCKER_HUB_KEY).then((credential) => ({ credential }), (error: unknown) => ({ error }));
  add("error" in held ? unread({ id: "dockerCredential", name: "Docker Hub credential" }, held.error, "it") : await checkDockerCredential(deps, held.credential, tokens, now));
  add(checkExpiring(tokens, now, opts.expiringDays, "error" in held ? undefined : held.credential?.tokenId));

  const failed = checks.filter((c) => c.status === "fail");
  if (opts.json) {
    io.json({ ok: failed.length === 0, checks: checks.map((c) => ({ id: c.id, name: c.name, status: c.status, detail: c.detail, fix: c.fix ?? null })) });
  } else {
    const mark: Record<CheckStatus, string> = { ok: io.color.green("✓"), fail: io.color.red("✗"), warn: io.color.yellow("!"), skip: io.color.dim("-") };
    for (const c of checks) io.print(`${mark[c.status]} ${c.name}: ${c.detail}${c.fix ? ` (fix: ${c.fix})` : ""}`);
  }
  if (failed.length > 0) {
    throw new HubpatError(`${failed.length} ${failed.length === 1 ? "check" : "checks"} failed: ${failed.map((c) => c.name).join(", ")}`);
  }
  io.info(`${io.color.green("✓")} Nothing blocking found`);
}

const UNREACHABLE_FIX = "check the network, a proxy or --hub-url";

/** Whether the Hub answers at all, asked without a session. */
async function reachable(deps: Pick<Deps, "connect" | "hubUrl" | "io">): Promise<Check> {
  const base = { id: "hubReachable", name: "Hub reachable" };
  try {
    const hub = await deps.connect();
    if (!hub.ping) return { ...base, status: "skip", detail: "needs a session" };
    await deps.io.progress("Asking whether Docker Hub answers", () => hub.ping!());
    return { ...base, status: "ok", detail: `${deps.hubUrl} answered` };
  } catch (err) {
    return { ...base, status: "fail", detail: messageOf(err), fix: UNREACHABLE_FIX };
  }
}

/** Finds `docker-credential-hubpat` on PATH as Docker would, runs its `version` and checks it is hubpat's. */
async function checkHelper(host: HostInfo): Promise<Check> {
  const base = { id: "helper", name: "Helper" };
  const windows = host.platform === "win32";
  let found: string | undefined;
  if (windows) {
    const dirs = (host.env.PATH ?? host.env.Path ?? "").split(";").filter(Boolean);
    for (const dir of dirs) {
      for (const name of [`${HELPER_FILE}.exe`, `${HELPER_FILE}.cmd`]) {
        const candidate = join(dir, name);
        if (await access(candidate, constants.X_OK).then(() => true, () => false)) {
          found = candidate;
          break;
        }
      }
      if (found) break;
    }
  } else {
    // As Docker looks it up (Go's exec.LookPath): a match through a relative PATH entry is refused, not skipped.
    const looked = await lookPath(HELPER_FILE, host.env.PATH);
    if ("error" in looked && looked.error === "dot") return { ...base, status: "fail", detail: relativeHelperProblem(looked.path), fix: RELATIVE_HELPER_FIX };
    if (!("error" in looked)) found = looked.path;
  }
  const install = "put docker-credential-hubpat on PATH: npm install -g hubpat installs it beside hub-tokens";
  if (!found) return { ...base, status: "fail", detail: `${HELPER_FILE} is not on PATH, so Docker can't run it`, fix: install };
  const answer = await new Promise<{ stdout: string; error?: Error }>((resolve) => {
    execFile(found, ["version"], { env: host.env, timeout: HELPER_TIMEOUT_MS, encoding: "utf8" }, (error, stdout) => resolve({ stdout, ...(error ? { error } : {}) }));
  });
  if (answer.error) return { ...base, status: "fail", detail: `${found} does not run: ${answer.error.message.split("\n")[0]}`, fix: install };
  const version = /^docker-credential-hubpat \(hubpat\) v(\S+)/.exec(answer.stdout)?.[1];
  if (!version) return { ...base, status: "fail", detail: `${found} is not hubpat's helper (its version answer: ${JSON.stringify(answer.stdout.trim().slice(0, 80))})`, fix: install };
  if (version !== VERSION) return { ...base, status: "warn", detail: `${found} is hubpat ${version}, and hub-tokens is ${VERSION}`, fix: "install one version of hubpat" };
  return { ...base, status: "ok", detail: `${found} (hubpat ${version})` };
}

async function checkDockerConfig(configPath: string): Promise<Check> {
  const base = { id: "dockerConfig", name: "Docker config" };
  const fix = `set "credsStore": "hubpat" in ${configPath} (or run: hub-tokens setup)`;
  switch (await dockerUsesHelper(configPath)) {
    case "yes":
      return { ...base, status: "ok", detail: `${configPath} sends Docker Hub credentials to hubpat` };
    case "missing":
      return { ...base, status: "fail", detail: `${configPath} does not exist, so Docker keeps credentials its own way`, fix };
    default:
      return { ...base, status: "fail", detail: `${configPath} does not send Docker Hub (${DOCKER_HUB_KEY}) to hubpat`, fix };
  }
}

/** A KeychainError's text is "problem: fix"; the report shows them apart. */
function splitFix(err: KeychainError): { detail: string; fix?: string } {
  // Kept apart by KeychainError itself: a colon inside a detail is not where the fix starts.
  return err.fix === undefined ? { detail: err.reason } : { detail: err.reason, fix: err.fix };
}

/** Session bus and Secret Service (Linux), and a store/get/erase round trip under a service of doctor's own. */
async function checkKeychain(host: HostInfo): Promise<Check[]> {
  const round = { id: "keychainRoundTrip", name: "Keychain round trip" };
  const out: Check[] = [];
  const usesSecretService = host.platform === "linux" && !host.insecureStorage;
  const bus: Check = { id: "sessionBus", name: "Session bus", status: "ok", detail: "" };
  const service: Check = { id: "secretService", name: "Secret Service", status: "ok", detail: "answers and is unlocked" };
  if (host.insecureStorage) {
    out.push({ id: "storage", name: "Storage", status: "warn", detail: "secrets are kept in a plain file (insecure storage), not the OS keychain", fix: "hub-tokens --no-insecure-storage status, once the keychain works" });
  }
  if (usesSecretService) {
    out.push(bus, service);
    const address = host.env.DBUS_SESSION_BUS_ADDRESS;
    const noBus = splitFix(new KeychainError("no-bus"));
    if (!address) Object.assign(bus, { status: "fail", detail: "DBUS_SESSION_BUS_ADDRESS is not set", fix: noBus.fix });
    else {
      const dead = await busProblem(address);
      if (dead) Object.assign(bus, { status: "fail", detail: `${address.split(",")[0]} does not answer (${dead})`, fix: noBus.fix });
      else bus.detail = address.split(",")[0]!;
    }
    if (bus.status === "fail") {
      Object.assign(service, { status: "skip", detail: "needs the session bus" });
      out.push({ ...round, status: "skip", detail: "needs the session bus" });
      return out;
    }
  }

  const scratch = host.scratchStore();
  const key = `https://hubpat-doctor.invalid/${randomBytes(6).toString("hex")}`;
  const probe: StoredCredential = { username: "hubpat-doctor", secret: `probe-${randomBytes(9).toString("hex")}` };
  try {
    await scratch.set(key, probe);
    let back: StoredCredential | null;
    try {
      back = await scratch.get(key);
    } finally {
      await scratch.delete(key);
    }
    const gone = await scratch.get(key);
    if (back?.secret !== probe.secret || back.username !== probe.username) out.push({ ...round, status: "fail", detail: "the keychain gave back something other than what was stored" });
    else if (gone !== null) out.push({ ...round, status: "fail", detail: "the test item was still there after erasing it" });
    else out.push({ ...round, status: "ok", detail: `stored, read back and erased a test item (service "${DOCTOR_SERVICE}")` });
  } catch (err) {
    if (err instanceof KeychainError && usesSecretService && ["no-service", "locked", "timeout", "no-bus"].includes(err.problem)) {
      const target = err.problem === "no-bus" ? bus : service;
      Object.assign(target, { status: "fail", ...splitFix(err) });
      if (target === bus) Object.assign(service, { status: "skip", detail: "needs the session bus" });
      out.push({ ...round, status: "skip", detail: `needs a working ${target.name}` });
    } else {
      const detail = err instanceof KeychainError ? splitFix(err) : { detail: messageOf(err) };
      if (usesSecretService) Object.assign(service, { status: "skip", detail: "unknown: the round trip failed" });
      out.push({ ...round, status: "fail", ...detail });
    }
  }
  return out;
}

/** Which store is in use, what chose it, and where each secret lives. The file is a warning: unencrypted. */
function storeLine(kind: StoreKind, where: string, chosenBy: string | undefined): Check {
  const base = { id: "store", name: "Store", detail: `${where}${chosenBy ? ` (${chosenBy})` : ""}` };
  if (kind !== "file") return { ...base, status: "ok" };
  return { ...base, status: "warn", fix: "hub-tokens setup lists the stores that work here; hub-tokens setup --store KIND moves to one" };
}

const ROUND_TRIP_NAMES: Record<StoreKind, string> = { keychain: "Keychain round trip", pass: "pass store", kernel: "Kernel keyring", file: "File store" };

/**
 * The store's own check (src/store/choice.ts): what it needs here, one line, with the fix: for pass a usable gpg key,
 * an initialised store and a passphrase gpg can ask for; for the kernel keyring keyctl allowed; then a round trip.
 */
async function checkStore(kind: StoreKind, host: HostInfo): Promise<Check[]> {
  const base = { id: "storeRoundTrip", name: ROUND_TRIP_NAMES[kind] };
  const scratch = host.scratchStore();
  if (!("check" in scratch)) return [{ ...base, status: "skip", detail: "this store has no check" }];
  const problem = await scratch.check();
  if (problem) return [{ ...base, status: "fail", detail: problem.problem, fix: problem.fix }];
  return [{ ...base, status: "ok", detail: `stored, read back and erased a test item (service "${DOCTOR_SERVICE}")` }];
}

/** Why the bus at `address` can't be reached, or undefined when it accepts a connection (unix sockets only). */
async function busProblem(address: string): Promise<string | undefined> {
  // An address may list several transports separated by ";"; libdbus takes the first that works.
  const transports = address.split(";").map((t) => /^unix:(path|abstract)=([^,]+)/.exec(t)).filter((m): m is RegExpExecArray => m !== null);
  if (transports.length === 0) return undefined; // tcp and others: left to the round trip
  let last = "";
  for (const m of transports) {
    const path = m[1] === "abstract" ? `\0${decodeURIComponent(m[2]!)}` : decodeURIComponent(m[2]!);
    const problem = await new Promise<string | undefined>((resolve) => {
      const socket = createConnection({ path });
      const done = (why?: string) => {
        socket.destroy();
        resolve(why);
      };
      socket.setTimeout(BUS_TIMEOUT_MS, () => done("no answer"));
      socket.once("connect", () => done());
      socket.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
    if (problem === undefined) return undefined;
    last = problem;
  }
  return last;
}

/** The credential Docker gets for Docker Hub: still a live token on the Hub, and accepted by the token service. */
async function checkDockerCredential(deps: Pick<Deps, "connect" | "io">, held: StoredCredential | null, tokens: Token[] | undefined, now: Date): Promise<Check> {
  const base = { id: "dockerCredential", name: "Docker Hub credential" };
  if (!held) return { ...base, status: "warn", detail: "none stored, so Docker pulls from Docker Hub anonymously (and is rate-limited as such)", fix: "hub-tokens create --docker-login" };
  const tail = secretHint(held.secret);
  const hint = tail && ` ${tail}`;
  const token = held.tokenId && tokens ? tokens.find((t) => t.id === held.tokenId) : undefined;
  const what = token ? `${tokenName(token)}${hint} for ${held.username}` : held.tokenId ? `token ${held.tokenId.slice(0, 8)}${hint} for ${held.username}` : `a secret${hint} for ${held.username}`;
  if (held.tokenId && tokens && !token) return { ...base, status: "fail", detail: `${what} no longer exists on Docker Hub`, fix: "hub-tokens create --docker-login" };
  if (token) {
    const status = tokenStatus(token, now);
    if (status === "inactive") return { ...base, status: "fail", detail: `${what} is inactive`, fix: `hub-tokens activate ${token.id.slice(0, 8)}, or hub-tokens rotate` };
    if (status === "expired") return { ...base, status: "fail", detail: `${what} expired ${relativeTime(token.expiresAt!, now)}`, fix: "hub-tokens rotate" };
  }
  let accepted: boolean;
  try {
    const hub = await deps.connect();
    accepted = await deps.io.progress("Asking the registry's token service", () => hub.verifyRegistryLogin(held.username, held.secret));
  } catch (err) {
    return { ...base, status: "fail", detail: `could not ask the registry's token service about ${what}: ${messageOf(err)}`, fix: "check the network, then run hub-tokens doctor again" };
  }
  if (!accepted) return { ...base, status: "fail", detail: `the registry's token service refuses ${what}`, fix: "hub-tokens create --docker-login, or docker login" };
  return { ...base, status: "ok", detail: `${what}, accepted by the registry's token service` };
}

function checkExpiring(tokens: Token[] | undefined, now: Date, days: number, heldId: string | undefined): Check {
  const base = { id: "expiringTokens", name: "Expiring tokens" };
  if (!tokens) return { ...base, status: "skip", detail: "needs the token list from Docker Hub" };
  const soon = tokens
    .filter((t) => expiresWithin(t, now, days))
    .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime());
  if (soon.length === 0) return { ...base, status: "ok", detail: `none of the active tokens expires within ${days} days` };
  const named = soon.map((t) => `${tokenName(t)}${t.id === heldId ? " [docker]" : ""} ${relativeTime(t.expiresAt!, now)}`).join(", ");
  const heldSoon = soon.some((t) => t.id === heldId);
  return {
    ...base,
    status: "warn",
    detail: `${soon.length} ${soon.length === 1 ? "token expires" : "tokens expire"} within ${days} days: ${named}`,
    fix: heldSoon ? "hub-tokens rotate" : "hub-tokens rotate TOKEN",
  };
}
