// `hub-tokens setup` moving many plain-text `auths` entries into the keychain (run by `npm run bench`, after the
// build): issue #13 found setup hanging at 100 % CPU past about 1,000 entries, holding ~1,025 D-Bus connections.
// One run, inside one private unlocked Secret Service: a config.json with ENTRIES auths (default 10,000), the
// built hub-tokens and docker-credential-hubpat on PATH. Prints the time, the most bus connections seen while it
// ran (sampled every 250 ms) and whether every entry then came back through the helper. Goal (README): 10,000
// in ≤ 30 s, with a bounded number of connections.
// Options: --entries N, --timeout S (give up after S seconds; default 600).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { haveSecretService, startKeyringSession } from "../keyring-session.mjs";
import { opt, root } from "./common.mjs";

const ENTRIES = Number(opt("--entries", 10_000));
const TIMEOUT_S = Number(opt("--timeout", 600));

if (!haveSecretService()) {
  console.log("(no gnome-keyring or dbus-daemon here: the migration benchmark needs a private Secret Service)");
  process.exit(0);
}

const b64 = (s) => Buffer.from(s).toString("base64");
const url = (i) => `registry-${i}.bench.test:5000`;
const dir = mkdtempSync(join(tmpdir(), "hubpat-bench-migrate-"));
const bin = join(dir, "bin");
const docker = join(dir, "docker");
mkdirSync(bin);
mkdirSync(docker);
symlinkSync(join(root, "bin", "docker-credential-hubpat.cjs"), join(bin, "docker-credential-hubpat"));
const auths = Object.fromEntries(Array.from({ length: ENTRIES }, (_, i) => [url(i), { auth: b64(`user${i}:dckr_pat_bench_${i}`) }]));
writeFileSync(join(docker, "config.json"), JSON.stringify({ auths }, null, "\t"));

const keyring = await startKeyringSession("unlocked");
const env = { ...keyring.env, DOCKER_CONFIG: docker, HUBPAT_CONFIG_DIR: join(dir, "hubpat"), PATH: [bin, dirname(process.execPath), "/usr/bin", "/bin"].join(":") };

/** Connections on the private bus right now (each unique name is one), less dbus-send's own. */
function busConnections() {
  const r = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"], { env, encoding: "utf8" });
  return [...r.stdout.matchAll(/string ":/g)].length - 1;
}

try {
  const idle = busConnections();
  let most = idle;
  const sampler = setInterval(() => (most = Math.max(most, busConnections())), 250);
  const started = performance.now();
  const setup = spawn(process.execPath, [join(root, "bin", "hub-tokens.cjs"), "setup"], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  setup.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const killer = setTimeout(() => setup.kill("SIGKILL"), TIMEOUT_S * 1000);
  const [code, signal] = await new Promise((resolve) => setup.on("exit", (c, s) => resolve([c, s])));
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(killer);
  clearInterval(sampler);

  const listed = spawnSync(join(bin, "docker-credential-hubpat"), ["list"], { env, input: "", encoding: "utf8", maxBuffer: 64 << 20 });
  const count = listed.status === 0 ? Object.keys(JSON.parse(listed.stdout)).length : 0;
  const probe = spawnSync(join(bin, "docker-credential-hubpat"), ["get"], { env, input: url(ENTRIES - 1), encoding: "utf8" });
  const lastOk = probe.status === 0 && JSON.parse(probe.stdout).Secret === `dckr_pat_bench_${ENTRIES - 1}`;
  const config = JSON.parse(readFileSync(join(docker, "config.json"), "utf8"));

  console.log("| entries | setup | exit | bus connections (idle → most seen) | listed after | last entry reads back | config.json |");
  console.log("|---|---|---|---|---|---|---|");
  console.log(`| ${ENTRIES} | ${seconds.toFixed(1)} s | ${signal ?? code} | ${idle} → ${most} | ${count} | ${lastOk ? "yes" : "no"} | ${config.credsStore === "hubpat" ? "credsStore hubpat" : "unchanged"} |`);
  if (code !== 0) console.log(`\nsetup said: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  console.log(`\nGoal: ${ENTRIES === 10_000 ? "10,000" : ENTRIES} entries in ≤ 30 s: ${seconds <= 30 && code === 0 && count === ENTRIES ? "met" : "not met"}.`);
} finally {
  await keyring.close();
  rmSync(dir, { recursive: true, force: true });
}
