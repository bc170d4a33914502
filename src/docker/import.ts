// Moving in from another credential helper: when config.json's credsStore or a credHelpers entry names another
// helper (pass, secretservice, desktop, osxkeychain, wincred…), `hub-tokens setup` can copy its credentials into
// hubpat's store, through that helper's own protocol (`list`, then `get` for each), reading each back from hubpat
// and comparing before anything switches. The other helper's entries stay where they are: setup prints the command
// that erases them. A credential hubpat can't keep, or gives back differently, stays where it was and stays routed
// there (a credHelpers entry). Helpers that make credentials as they are asked for (ecr-login, gcloud) have
// nothing to copy and keep their routes.
import { execFile } from "node:child_process";
import { HubpatError } from "../errors.js";
import type { CredentialStore } from "../store/store.js";
import { HELPER_CONFIG_NAME } from "./migrate.js";

/** Helpers that mint credentials on the fly: never imported, always left routed to themselves. */
export const MINTING_HELPERS = new Set(["ecr-login", "gcloud", "acr-env", "ecr", "gcr", "azure"]);
const TIMEOUT_MS = 30_000;

/** One credential found in another helper. */
export interface FoundCredential {
  helper: string;
  serverURL: string;
  username: string;
  secret: string;
}

/** What importing did (or, in a dry run, would do). */
export interface ImportResult {
  /** Stored in hubpat and read back identically (in a dry run: readable from the helper). */
  imported: FoundCredential[];
  /** Left in the other helper, and why; Docker keeps asking that helper for them. */
  stayed: { helper: string; serverURL: string; reason: string }[];
  /** Minting helpers left routed to themselves. */
  minting: string[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The other helpers config.json names, with the registries each serves (undefined: all it lists, for credsStore). */
export function otherHelpers(doc: Json): { credsStore?: string; routed: Map<string, string[]> } {
  const credsStoreKey = Object.keys(doc).filter((k) => k.toLowerCase() === "credsstore").at(-1);
  const credsStore = credsStoreKey && typeof doc[credsStoreKey] === "string" ? (doc[credsStoreKey] as string) : undefined;
  const helpersKey = Object.keys(doc).filter((k) => k.toLowerCase() === "credhelpers").at(-1);
  const helpers = helpersKey ? doc[helpersKey] : undefined;
  const routed = new Map<string, string[]>();
  for (const [url, name] of Object.entries(isObject(helpers) ? helpers : {})) {
    if (typeof name !== "string" || !name || name === HELPER_CONFIG_NAME) continue;
    routed.set(name, [...(routed.get(name) ?? []), url]);
  }
  return { ...(credsStore && credsStore !== HELPER_CONFIG_NAME ? { credsStore } : {}), routed };
}

/** Runs `docker-credential-<helper> <action>` with `input`, as Docker does (exec, stdin, stdout). */
function callHelper(helper: string, action: string, input: string, env: Record<string, string | undefined>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, [action], { env, timeout: TIMEOUT_MS, encoding: "utf8", maxBuffer: 4 << 20 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") return reject(new ImportError(`docker-credential-${helper} is not on PATH, so its credentials can't be read`));
      if (err && (err as { killed?: boolean }).killed) return reject(new ImportError(`docker-credential-${helper} ${action} did not answer in ${TIMEOUT_MS / 1000} s`));
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout });
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}

/** Everything `helper` lists (server URL → username). */
async function listOf(helper: string, env: Record<string, string | undefined>): Promise<string[]> {
  const r = await callHelper(helper, "list", "", env);
  if (r.code !== 0) throw new ImportError(`docker-credential-${helper} list failed: ${r.stdout.trim().slice(0, 200) || `exit ${r.code}`}`);
  try {
    const parsed: unknown = JSON.parse(r.stdout);
    if (isObject(parsed)) return Object.keys(parsed);
  } catch {
    // below
  }
  throw new ImportError(`docker-credential-${helper} list did not answer a JSON object`);
}

/** One credential from `helper`; null when it has none (not found, or the empty answer older Go helpers give). */
async function getFrom(helper: string, serverURL: string, env: Record<string, string | undefined>): Promise<{ username: string; secret: string } | null> {
  const r = await callHelper(helper, "get", serverURL, env);
  if (r.code !== 0) {
    if (/credentials not found/i.test(r.stdout)) return null;
    throw new ImportError(`docker-credential-${helper} get ${serverURL} failed: ${r.stdout.trim().slice(0, 200) || `exit ${r.code}`}`);
  }
  const parsed = JSON.parse(r.stdout) as { Username?: unknown; Secret?: unknown };
  const username = typeof parsed.Username === "string" ? parsed.Username : "";
  const secret = typeof parsed.Secret === "string" ? parsed.Secret : "";
  return username === "" && secret === "" ? null : { username, secret };
}

/**
 * Copies every credential the other helpers hold for Docker into `store`, each read back and compared; a dry run
 * only reads. Registries `skip` already covers (plain-text credentials setup moves itself) are left to it.
 */
export async function importCredentials(doc: Json, store: CredentialStore, env: Record<string, string | undefined>, opts: { dryRun: boolean; skip?: Set<string> }): Promise<ImportResult> {
  const { credsStore, routed } = otherHelpers(doc);
  const result: ImportResult = { imported: [], stayed: [], minting: [] };
  const sources: { helper: string; urls?: string[] }[] = [];
  if (credsStore) sources.push({ helper: credsStore });
  for (const [helper, urls] of routed) sources.push({ helper, urls });
  const seen = new Set(opts.skip ?? []);
  for (const { helper, urls } of sources) {
    if (MINTING_HELPERS.has(helper)) {
      if (!result.minting.includes(helper)) result.minting.push(helper);
      continue;
    }
    for (const serverURL of urls ?? (await listOf(helper, env))) {
      if (seen.has(serverURL)) continue;
      seen.add(serverURL);
      const found = await getFrom(helper, serverURL, env);
      if (!found) continue;
      const credential: FoundCredential = { helper, serverURL, ...found };
      if (opts.dryRun) {
        result.imported.push(credential);
        continue;
      }
      try {
        const existing = await store.get(serverURL);
        if (existing && (existing.username !== found.username || existing.secret !== found.secret)) {
          result.stayed.push({ helper, serverURL, reason: "hubpat already holds a different credential for it" });
          continue;
        }
        if (!existing) await store.set(serverURL, found);
        const back = await store.get(serverURL);
        if (!back || back.username !== found.username || back.secret !== found.secret) {
          if (!existing) await store.delete(serverURL).catch(() => undefined);
          result.stayed.push({ helper, serverURL, reason: "hubpat's store did not give it back identically" });
          continue;
        }
      } catch (err) {
        result.stayed.push({ helper, serverURL, reason: `hubpat's store can't keep it (${err instanceof Error ? err.message : String(err)})` });
        continue;
      }
      result.imported.push(credential);
    }
  }
  return result;
}

/**
 * config.json after an import: registries imported from a credHelpers entry lose that entry (credsStore hubpat
 * serves them); registries that stayed in the old credsStore get one, so Docker still asks it for them.
 */
export function routeAfterImport(doc: Json, result: ImportResult, oldCredsStore: string | undefined): Json {
  const helpersKey = Object.keys(doc).filter((k) => k.toLowerCase() === "credhelpers").at(-1) ?? "credHelpers";
  const helpers: Json = isObject(doc[helpersKey]) ? { ...(doc[helpersKey] as Json) } : {};
  for (const c of result.imported) if (helpers[c.serverURL] === c.helper) delete helpers[c.serverURL];
  for (const s of result.stayed) if (s.helper === oldCredsStore && !Object.hasOwn(helpers, s.serverURL)) helpers[s.serverURL] = s.helper;
  const out: Json = { ...doc };
  if (Object.keys(helpers).length > 0) out[helpersKey] = helpers;
  else delete out[helpersKey];
  return out;
}

/** The command that erases one imported credential from the helper it came from. */
export function eraseCommand(c: Pick<FoundCredential, "helper" | "serverURL">): string {
  return `printf '%s' '${c.serverURL.replace(/'/g, "'\\''")}' | docker-credential-${c.helper} erase`;
}

/** Reading another helper failed: setup stops before it changes anything. */
export class ImportError extends HubpatError {
  constructor(message: string) {
    super(`${message}; setup changed nothing`, { hint: "fix that helper, or run setup without --import to switch without copying its credentials" });
  }
}
