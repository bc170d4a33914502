// `hub-tokens setup`: wires Docker to hubpat. Sets "credsStore": "hubpat" in Docker's config.json, keeping every
// other key, the file's mode and owner; moves plain-text credentials from `auths` into the keychain first; writes
// the file atomically after a timestamped backup. `--dry-run` prints the diff (secrets masked), `--undo` puts the
// newest backup back. Refuses, touching nothing, a symlinked, unparsable or read-only config.json and a
// `docker-credential-hubpat` on PATH that is missing or not this program.
//
// Order, so that a crash at any point loses nothing: (1) copy each credential into the store and read it back,
// (2) back up the file, (3) replace the file in one rename. Until (3) the old file still holds every credential;
// after it, the store does.
import type { CredentialStore } from "../store/store.js";
import { DOCKER_HUB_KEY } from "../cli/deps.js";
import { formatError } from "../errors.js";
import { VERSION } from "../version.js";
import { DockerConfigError, listBackups, readDockerConfig, removeStaleTemps, renderDockerConfig, restoreLatestBackup, writeBackup, writeFileAtomic, type StepHook } from "../docker/config.js";
import { maskSecrets, unifiedDiff } from "../docker/diff.js";
import { checkHelper, type HelperFound } from "../docker/helper.js";
import { HELPER_CONFIG_NAME, planSetup } from "../docker/migrate.js";

export interface SetupOptions {
  /** Print what would change (a diff of config.json, secrets masked) and change nothing. */
  dryRun: boolean;
  /** Put the newest backup of config.json back. */
  undo: boolean;
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
    io.info(`✓ Restored ${path} from ${r.backup}`);
    if (r.replacedSavedAs) io.info(`  the file it replaced is saved as ${r.replacedSavedAs}`);
    io.info("  credentials setup moved into the keychain stay there as well");
    return;
  }

  const file = await readDockerConfig(path);
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

  const plan = await planSetup(file.doc, deps.onStep ? steppingStore(deps.store, deps.onStep) : deps.store, { dryRun: opts.dryRun });
  for (const k of plan.kept) io.warn(`left ${k.serverURL} in ${path}: ${k.reason}`);
  if (plan.replacedCredsStore) {
    io.warn(`credsStore was "${plan.replacedCredsStore}": credentials kept by docker-credential-${plan.replacedCredsStore} are not moved; log in again where you need them`);
  }
  for (const e of plan.elsewhere) {
    io.warn(`credHelpers in ${path} still sends ${e.serverURL} to docker-credential-${e.helper}, not hubpat${e.serverURL === DOCKER_HUB_KEY ? ": Docker Hub will not use hubpat until that entry goes" : ""}`);
  }
  const newText = renderDockerConfig(plan.doc, file.text);

  if (opts.dryRun) {
    const diff = unifiedDiff(maskSecrets(file.text ?? ""), maskSecrets(newText), { before: file.text === null ? "/dev/null" : path, after: path });
    for (const line of diff) io.print(line);
    for (const c of plan.moved) io.info(`Would move the credential for ${c.serverURL} (${c.username}) into the keychain`);
    io.info(plan.changed || file.text === null ? "Dry run: nothing was changed" : `${path} already uses hubpat: nothing to do`);
    return;
  }

  await step("stored");
  if (!plan.changed && file.text !== null) {
    io.info(`✓ ${path} already uses hubpat${helper ? ` (${helper.path}, ${helper.version})` : ""}`);
    return;
  }
  await removeStaleTemps(path);
  let backup: string | null = null;
  try {
    if (file.text !== null) backup = await writeBackup({ ...file, text: file.text }, deps.clock());
    await step("backed-up");
    await writeFileAtomic(path, newText, file.ownership, deps.onStep);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!code) throw err;
    const kept = plan.moved.length > 0 ? "; the credentials already copied to the keychain stay there too" : "";
    throw new DockerConfigError(`cannot write ${backup ? path : `next to ${path}`} (${code}): it is unchanged${kept}`, {
      cause: err,
      hint: code === "EPERM" || code === "EACCES" || code === "EROFS" ? "check the file and its directory are writable (ls -l, lsattr)" : "run setup again",
    });
  }
  await step("done");

  io.info(`✓ Docker now asks ${helper ? helper.path : `docker-credential-${HELPER_CONFIG_NAME}`} for credentials ("credsStore": "${HELPER_CONFIG_NAME}" in ${path})`);
  for (const c of plan.moved) io.info(`✓ Moved the credential for ${c.serverURL} (${c.username}) into the keychain`);
  if (backup) {
    io.info(`  backup: ${backup} (undo with: hub-tokens setup --undo)`);
    if (plan.moved.length > 0) io.warn(`the backup still holds the plain-text credentials; delete it once Docker works: rm ${backup}`);
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
