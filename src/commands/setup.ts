// `hub-tokens setup`: wires Docker to hubpat. Sets "credsStore": "hubpat" in Docker's config.json, keeping every
// other key, the file's mode and owner; moves plain-text credentials from `auths` into the keychain first; writes
// the file atomically after a timestamped backup. `--dry-run` prints the diff (secrets masked), `--undo` puts the
// newest backup back. Refuses, touching nothing, a symlinked, unparsable or read-only config.json and a
// `docker-credential-hubpat` on PATH that is missing or not this program.
//
// Order, so that a crash at any point loses nothing: (1) copy each credential into the store and read it back,
// (2) back up the file, (3) replace the file in one rename. Until (3) the old file still holds every credential;
// after it, the store does.
import { StoreUnusableError } from "../store/errors.js";
import { STORE_KINDS, type CheckableStore, type CredentialStore, type StoreKind, type StoreProblem } from "../store/store.js";
import { DOCKER_HUB_KEY } from "../cli/deps.js";
import { formatError } from "../errors.js";
import { VERSION } from "../version.js";
import { DockerConfigError, listBackups, readDockerConfig, removeStaleTemps, renderDockerTree, restoreLatestBackup, writeBackup, writeFileIfUnchanged, type StepHook } from "../docker/config.js";
import { withFields } from "../docker/go-json.js";
import { maskSecrets, unifiedDiff } from "../docker/diff.js";
import { checkHelper, type HelperFound } from "../docker/helper.js";
import { eraseCommand, importCredentials, MINTING_HELPERS, otherHelpers, routeAfterImport, type FoundCredential, type ImportResult } from "../docker/import.js";
import { printable } from "../helper/protocol.js";
import { HELPER_CONFIG_NAME, planSetup, type SetupPlan } from "../docker/migrate.js";

export interface SetupOptions {
  /** Print what would change (a diff of config.json, secrets masked) and change nothing. */
  dryRun: boolean;
  /** Put the newest backup of config.json back. */
  undo: boolean;
  /** `--store KIND` (or HUBPAT_STORE): keep secrets there from now on, recorded in hubpat's settings. */
  store?: StoreKind;
  /** `--import`: copy the credentials of the helper config.json names now (asked on a terminal without it). */
  import?: boolean;
}

/** The store choice, for setup: what is in use, how to open another, how to record one. */
export interface SetupStores {
  /** The kind in use now (deps.store is of it). */
  current: StoreKind;
  /** Docker's store ("docker-credential-hubpat") of that kind. */
  open(kind: StoreKind): Promise<CheckableStore>;
  /** Records the kind in hubpat's settings, which the helper reads. */
  record(kind: StoreKind): void;
  platform: NodeJS.Platform;
}

/** Where setup's messages go: `print` for data (the diff) on stdout, `info`/`warn` for the rest on stderr. */
export interface SetupOutput {
  print(line: string): void;
  info(line: string): void;
  warn(line: string): void;
}

/** What setup runs on; the CLI's Deps satisfies it, plus the process environment. */
export interface SetupDeps {
  io: SetupOutput;
  /** The helper's store: where Docker's credentials go. */
  store: CredentialStore;
  clock: () => Date;
  /** Docker's config.json (see dockerConfigPath in ../docker/config.ts). */
  dockerConfigPath: string;
  /** The environment Docker runs in: its PATH finds the helper. */
  env: Record<string, string | undefined>;
  /** Checks the helper on PATH; tests may replace it. */
  checkHelper?: (env: Record<string, string | undefined>) => Promise<HelperFound>;
  /** Called between steps (tests stop or kill the process there). */
  onStep?: StepHook;
  /** The store choice; without it, setup uses `store` as it is. */
  stores?: SetupStores;
  /** Asks a yes/no question on a terminal; absent off one (then only --import imports). */
  confirm?: (question: string) => Promise<boolean>;
}

/** Runs `hub-tokens setup`. */
export async function runSetup(opts: SetupOptions, deps: SetupDeps): Promise<void> {
  const { io } = deps;
  const path = deps.dockerConfigPath;
  const step = async (name: string) => deps.onStep?.(name);

  if (opts.undo) {
    if (opts.dryRun) {
      const latest = (await listBackups(path)).at(-1);
      io.info(latest ? `Would restore ${path} from ${latest}` : `There is no hubpat backup of ${path} to restore`);
      return;
    }
    const r = await restoreLatestBackup(path, deps.clock(), deps.onStep);
    if (r.nothingToUndo) {
      io.info(`Nothing to undo: ${path} already is as ${r.backup} left it`);
      return;
    }
    io.info(`✓ Restored ${path} from ${r.backup}`);
    if (r.replacedSavedAs) io.info(`  the file it replaced is saved as ${r.replacedSavedAs}`);
    io.info("  credentials setup moved into the keychain stay there as well");
    io.warn(`${r.backup} stays on disk and holds what the file held, plain-text credentials included; delete it once Docker works`);
    return;
  }

  // Before anything is read or moved: the store must take a secret (a throwaway item written and erased).
  const { store: chosen, kind } = deps.stores ? await chooseSetupStore(opts, deps.stores, deps.store, io) : { store: deps.store, kind: isCheckable(deps.store) ? deps.store.kind : undefined };

  let file = await readDockerConfig(path);
  let helper: HelperFound | null = null;
  try {
    helper = await (deps.checkHelper ?? checkHelper)(deps.env);
  } catch (err) {
    if (!opts.dryRun) throw err;
    // A dry run changes nothing anyway: show the diff, and what a real run would refuse for.
    io.warn(formatError(err).replace("; hubpat changed nothing", ""));
  }

  // Same name and signature but another version: two hubpat installs, and Docker runs the one first on PATH.
  if (helper && helper.version !== `v${VERSION}`) io.warn(`${helper.path} is hubpat ${helper.version}, this hub-tokens is v${VERSION}: Docker will run the former`);

  const store = deps.onStep ? steppingStore(chosen, deps.onStep) : chosen;
  const backups: string[] = [];
  // Asked (or --import) once, on the first read; a start again reuses the answer.
  let imported: ImportResult | undefined;
  let asked = false;
  for (let attempt = 1; ; attempt++) {
    const doc = file.view as Record<string, unknown>;
    const plan = await planSetup(doc, store, { dryRun: opts.dryRun });
    // Another helper's credentials: copied in (asked, or --import), each read back, before anything switches.
    if (!asked) {
      imported = await maybeImport(opts, deps, doc, store, new Set(plan.moved.map((m) => m.serverURL)));
      asked = true;
    }
    if (imported) {
      plan.doc = routeAfterImport(plan.doc, imported, plan.replacedCredsStore);
      plan.elsewhere = plan.elsewhere.filter((e) => !imported!.imported.some((c) => c.serverURL === e.serverURL && c.helper === e.helper));
      plan.changed = JSON.stringify(plan.doc) !== JSON.stringify(doc);
    }
    const newText = renderDockerTree(withFields(file.tree, { auths: plan.doc.auths, credHelpers: plan.doc.credHelpers, credsStore: plan.doc.credsStore }), file.text);

    if (opts.dryRun) {
      reportPlan(plan, imported, path, io);
      const diff = unifiedDiff(maskSecrets(file.text ?? ""), maskSecrets(newText), { before: file.text === null ? "/dev/null" : path, after: path });
      for (const line of diff) io.print(line);
      for (const c of plan.moved) io.info(`Would move the credential for ${printable(c.serverURL)} (${printable(c.username)}) into the keychain`);
      for (const c of imported?.imported ?? []) io.info(`Would import the credential for ${printable(c.serverURL)} (${printable(c.username)}, secret ****) from docker-credential-${c.helper}`);
      io.info(plan.changed || file.text === null ? "Dry run: nothing was changed" : `${path} already uses hubpat: nothing to do`);
      return;
    }

    await step("stored");
    if (!plan.changed && file.text !== null) {
      reportPlan(plan, imported, path, io);
      io.info(`✓ ${path} already uses hubpat${helper ? ` (${helper.path}, ${helper.version})` : ""}`);
      return;
    }
    await removeStaleTemps(path);
    let written: boolean;
    try {
      if (file.text !== null) {
        const backup = await writeBackup({ ...file, text: file.text }, deps.clock());
        if (!backups.includes(backup)) backups.push(backup);
      }
      await step("backed-up");
      written = await writeFileIfUnchanged(path, file.text, newText, file.ownership, deps.onStep);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code) throw err;
      const kept = plan.moved.length > 0 ? "; the credentials already copied to the keychain stay there too" : "";
      const left = backups.length > 0 ? `; left on disk: ${backups.join(", ")} (plain-text copies: delete them once Docker works)` : "";
      throw new DockerConfigError(`cannot write ${backups.length > 0 ? path : `next to ${path}`} (${code}): it is unchanged${kept}${left}`, {
        cause: err,
        hint: code === "EPERM" || code === "EACCES" || code === "EROFS" ? "check the file and its directory are writable (ls -l, lsattr)" : "run setup again",
      });
    }
    if (!written) {
      // Another program (docker login, most likely) replaced config.json after setup read it: what it wrote
      // would be lost under setup's copy, so start again from the new content.
      if (attempt >= MAX_ATTEMPTS) {
        throw new DockerConfigError(`${path} kept changing while setup ran (${attempt} times): setup left it as the other program wrote it${backups.length > 0 ? `; left on disk: ${backups.join(", ")} (plain-text copies: delete them)` : ""}`, {
          hint: "run setup again once nothing else is writing it",
        });
      }
      io.info(`${path} changed while setup ran (another program wrote it): starting again from its new content`);
      file = await readDockerConfig(path);
      continue;
    }
    await step("done");
    reportPlan(plan, imported, path, io);
    io.info(`✓ Docker now asks ${helper ? helper.path : `docker-credential-${HELPER_CONFIG_NAME}`} for credentials ("credsStore": "${HELPER_CONFIG_NAME}" in ${path})`);
    for (const c of plan.moved) io.info(`✓ Moved the credential for ${printable(c.serverURL)} (${printable(c.username)}) into the keychain`);
    if (imported) reportImport(imported, kind, io);
    if (backups.length > 0) {
      io.info(`  ${backups.length === 1 ? "backup" : "backups"}: ${backups.join(", ")} (undo with: hub-tokens setup --undo)`);
      if (plan.moved.length > 0) io.warn(`the ${backups.length === 1 ? "backup still holds" : "backups still hold"} the plain-text credentials; delete ${backups.length === 1 ? "it" : "them"} once Docker works: rm ${backups.join(" ")}`);
    }
    return;
  }
}

/** How often setup starts again when config.json changes under it before it gives up. */
const MAX_ATTEMPTS = 5;

/** The warnings about what setup leaves where it is. */
function reportPlan(plan: SetupPlan, imported: ImportResult | undefined, path: string, io: SetupOutput): void {
  for (const k of plan.kept) io.warn(`left ${printable(k.serverURL)} in ${path}: ${k.reason}`);
  if (imported) {
    for (const s of imported.stayed) io.warn(`left ${printable(s.serverURL)} in docker-credential-${s.helper}: ${s.reason}; Docker keeps asking that helper for it`);
    for (const m of imported.minting) {
      if (m === plan.replacedCredsStore) io.warn(`credsStore was "${m}", which makes credentials as they are asked for: send its registries to it with credHelpers in ${path} ("REGISTRY": "${m}")`);
      else io.info(`  docker-credential-${m} makes credentials as they are asked for: its registries stay routed to it`);
    }
  } else if (plan.replacedCredsStore) {
    io.warn(`credsStore was "${printable(plan.replacedCredsStore)}": credentials kept by docker-credential-${printable(plan.replacedCredsStore)} are not moved (add --import to copy them); log in again where you need them`);
  }
  for (const e of plan.elsewhere) {
    io.warn(`credHelpers in ${path} still sends ${printable(e.serverURL)} to docker-credential-${printable(e.helper)}, not hubpat${e.serverURL === DOCKER_HUB_KEY ? ": Docker Hub will not use hubpat until that entry goes" : ""}`);
  }
}

/**
 * The store setup moves credentials into: `--store KIND` (recorded, unless a dry run) or the one in use. A store that
 * can't take a secret stops setup before it changes anything, listing the stores that work here, each with its command.
 */
async function chooseSetupStore(opts: SetupOptions, stores: SetupStores, inUse: CredentialStore, io: SetupOutput): Promise<{ store: CredentialStore; kind: StoreKind }> {
  const kind = opts.store ?? stores.current;
  const store = kind === stores.current && isCheckable(inUse) ? inUse : await stores.open(kind);
  const problem = await store.check();
  if (problem) {
    const working = await storesThatWork(stores, kind);
    io.warn(`the ${kind} store can't keep a secret here: ${problem.problem}`);
    if (working.length === 0) io.info("  No other store works here either.");
    else {
      io.info("  Stores that work here (the command records the choice):");
      const width = Math.max(...working.map((w) => w.kind.length));
      for (const w of working) io.info(`    hub-tokens setup --store ${w.kind.padEnd(width)}   ${w.where}`);
    }
    throw new StoreUnusableError(`the ${kind} store can't keep a secret here, so setup changed nothing`, problem.fix);
  }
  if (opts.store !== undefined) {
    if (opts.dryRun) io.info(`Would keep secrets in the ${kind} store from now on: ${store.describe()}`);
    else {
      stores.record(kind);
      io.info(`✓ hubpat keeps secrets in the ${kind} store from now on: ${store.describe()}`);
    }
  }
  return { store, kind };
}

/** The kinds other than `except` whose check passes here, with where each keeps secrets. */
async function storesThatWork(stores: SetupStores, except: StoreKind): Promise<{ kind: StoreKind; where: string }[]> {
  const candidates = STORE_KINDS.filter((k) => k !== except && (k !== "kernel" || stores.platform === "linux") && (k !== "pass" || stores.platform !== "win32"));
  const checked = await Promise.all(
    candidates.map(async (kind) => {
      const store = await stores.open(kind);
      const problem: StoreProblem | null = await store.check().catch((err: unknown) => ({ problem: String(err), fix: "" }));
      return problem ? null : { kind, where: kind === "file" ? `${store.describe()}: anyone who can read your files can read the secrets` : store.describe() };
    }),
  );
  return checked.filter((c): c is { kind: StoreKind; where: string } => c !== null);
}

function isCheckable(store: CredentialStore): store is CheckableStore {
  return typeof (store as Partial<CheckableStore>).check === "function";
}

/** Imports when asked to (--import, or yes on a terminal); a dry run reads what it would import. Undefined: not importing. */
async function maybeImport(opts: SetupOptions, deps: SetupDeps, doc: Record<string, unknown>, store: CredentialStore, skip: Set<string>): Promise<ImportResult | undefined> {
  const { credsStore, routed } = otherHelpers(doc);
  const names = [...new Set([...(credsStore ? [credsStore] : []), ...routed.keys()])].filter((h) => !MINTING_HELPERS.has(h));
  if (names.length === 0) return credsStore || routed.size > 0 ? { imported: [], stayed: [], minting: [...new Set([...(credsStore ? [credsStore] : []), ...routed.keys()])] } : undefined;
  let wanted = opts.import === true;
  if (!wanted && deps.confirm && !opts.dryRun) {
    wanted = await deps.confirm(`Copy the credentials ${names.map((n) => `docker-credential-${n}`).join(" and ")} holds into hubpat (its own entries stay)?`);
  }
  if (!wanted) return undefined;
  return importCredentials(doc, store, deps.env, { dryRun: opts.dryRun, skip });
}

/** What was imported, and the command that erases each from the helper it came from (unless it shares the entries). */
function reportImport(r: ImportResult, kind: StoreKind | undefined, io: SetupOutput): void {
  const into = kind ? `hubpat's ${kind} store` : "hubpat";
  for (const c of r.imported) io.info(`✓ Imported the credential for ${c.serverURL} (${c.username}) from docker-credential-${c.helper} into ${into}`);
  // docker-credential-pass and hubpat's pass store are the same files: erasing them there erases them here.
  const shared = (c: FoundCredential) => c.helper === "pass" && kind === "pass";
  const erasable = r.imported.filter((c) => !shared(c));
  if (r.imported.length > erasable.length) io.info("  docker-credential-pass and hubpat's pass store share those entries: there is nothing to erase");
  if (erasable.length > 0) {
    io.info("  The old helper still holds them; once Docker works with hubpat, erase them with:");
    for (const c of erasable) io.info(`    ${eraseCommand(c)}`);
  }
}

/** The store, calling `onStep("stored:<url>")` after each credential it stores: a crash test stops there too. */
function steppingStore(store: CredentialStore, onStep: StepHook): CredentialStore {
  return {
    get: (url) => store.get(url),
    set: async (url, credential) => {
      await store.set(url, credential);
      await onStep(`stored:${url}`);
    },
    delete: (url) => store.delete(url),
    list: () => store.list(),
  };
}
