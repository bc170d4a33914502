// `npm run release` (after `npm run package`): the release artifacts in dist/release/, as Docker's credential
// helpers and gh ship theirs:
//   hubpat-VERSION-linux-ARCH.tar.gz  the single executable, its two names as links, completions, man pages,
//                                     LICENSE, README (unpack anywhere; nothing else needed, no Node)
//   hubpat_VERSION_DEBARCH.deb        the same, where Debian keeps them (dpkg-deb; lintian: README "Release")
//   SHA256SUMS                        sha256sum's format, for `sha256sum -c SHA256SUMS`
// The executables come from scripts/package.mjs (its interface: the host's at dist/sea/hubpat, cross-built ones
// at dist/sea/<os>-<arch>/hubpat). linux-x64 is the host and required; linux-arm64 is cross-built when
// package.mjs can (`--target`) and shipped when its executable is there, else left out with a line saying so.
// Reproducible: file times are the last commit's (or SOURCE_DATE_EPOCH), owners root, gzip without names.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));
const log = args.has("--quiet") ? () => {} : (...a) => console.log(...a);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = pkg.version;
const out = join(root, "dist", "release");
const work = join(root, "build", "release");
const sea = join(root, "dist", "sea");

const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? (spawnSync("git", ["log", "-1", "--format=%ct"], { cwd: root, encoding: "utf8" }).stdout.trim() || 0));
const mtime = new Date(epoch * 1000);

/** Debian's name for each architecture, and the ELF machine number its executable must carry. */
const ARCHES = { x64: { deb: "amd64", elf: 62 }, arm64: { deb: "arm64", elf: 183 } };

function fail(line) {
  console.error(`release: ${line}`);
  process.exit(1);
}

if (process.platform !== "linux" || process.arch !== "x64") fail(`builds on linux-x64 only (this is ${process.platform}-${process.arch})`);
if (!existsSync(join(sea, "hubpat"))) fail("dist/sea/hubpat is missing: run npm run package first (npm run release does)");
if (!existsSync(join(root, "dist", "man", "hub-tokens.1"))) fail("dist/man/ is missing: run npm run build first");
for (const tool of ["dpkg-deb", "dpkg-shlibdeps", "tar"]) {
  if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) fail(`${tool} is not installed: run bash scripts/setup-machine.sh (Debian package dpkg-dev)`);
}

// Cross-built executables: asked of package.mjs only when it has --target (the agreed interface).
if (!args.has("--host-only") && /--target\b/.test(readFileSync(join(root, "scripts", "package.mjs"), "utf8"))) {
  const r = spawnSync(process.execPath, [join(root, "scripts", "package.mjs"), "--target", "linux-arm64", "--no-host", "--quiet"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) log("release: linux-arm64: scripts/package.mjs --target linux-arm64 failed; leaving it out");
}
const targets = [{ arch: "x64", exe: join(sea, "hubpat") }];
const arm64 = join(sea, "linux-arm64", "hubpat");
if (existsSync(arm64)) targets.push({ arch: "arm64", exe: arm64 });
else log("release: linux-arm64: no dist/sea/linux-arm64/hubpat (scripts/package.mjs --target linux-arm64 made none): left out");

/** The ELF machine an executable is built for (e_machine, bytes 18–19): a mislabelled artifact stops here. */
function elfMachine(file) {
  const head = readFileSync(file).subarray(0, 20);
  if (head.readUInt32BE(0) !== 0x7f454c46) fail(`${relative(root, file)} is not an ELF executable`);
  return head.readUInt16LE(18);
}

rmSync(out, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Copies `from` to `to` with `mode`, making its directory. */
function put(from, to, mode = 0o644, data) {
  mkdirSync(dirname(to), { recursive: true });
  if (data !== undefined) writeFileSync(to, data);
  else copyFileSync(from, to);
  chmodSync(to, mode);
}

/** Every file, link and directory under `dir` gets the release's time (links keep theirs: tar --mtime sets all). */
function touchAll(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (!e.isSymbolicLink()) utimesSync(join(e.parentPath, e.name), mtime, mtime);
  utimesSync(dir, mtime, mtime);
}

const COMPLETIONS = { bash: "hub-tokens.bash", zsh: "_hub-tokens", fish: "hub-tokens.fish" };
const MAN = ["hub-tokens.1", "docker-credential-hubpat.1"];
const tarOptions = ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${epoch}`, "--format=gnu"];

/** hubpat-VERSION-linux-ARCH.tar.gz: one directory of that name. */
function archive({ arch, exe }) {
  const name = `hubpat-${version}-linux-${arch}`;
  const dir = join(work, name);
  put(exe, join(dir, "hubpat"), 0o755);
  symlinkSync("hubpat", join(dir, "docker-credential-hubpat"));
  symlinkSync("hubpat", join(dir, "hub-tokens"));
  for (const file of Object.values(COMPLETIONS)) put(join(root, "completions", file), join(dir, "completions", file));
  for (const page of MAN) put(join(root, "dist", "man", page), join(dir, "man", page));
  put(join(root, "LICENSE"), join(dir, "LICENSE"));
  put(join(root, "README.md"), join(dir, "README.md"));
  touchAll(dir);
  const file = join(out, `${name}.tar.gz`);
  const tar = execFileSync("tar", [...tarOptions, "-cf", "-", "-C", work, name], { maxBuffer: 1 << 30 });
  writeFileSync(file, gzipSync(tar, { level: 9 }));
  return file;
}

/** What the executable links against, as dpkg-shlibdeps says for the host; the same build's for arm64. */
let hostDepends;
function shlibDepends(exe) {
  if (hostDepends) return hostDepends;
  const dir = join(work, "shlibdeps");
  put(undefined, join(dir, "debian", "control"), 0o644, "Source: hubpat\n\nPackage: hubpat\nArchitecture: any\n");
  const r = spawnSync("dpkg-shlibdeps", ["-O", `-e${exe}`], { cwd: dir, encoding: "utf8" });
  const line = /^shlibs:Depends=(.*)$/m.exec(r.stdout);
  if (r.status !== 0 || !line) fail(`dpkg-shlibdeps on ${exe} failed: ${r.stderr}`);
  hostDepends = line[1];
  return hostDepends;
}

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }); // no name or time in the header: reproducible

/** hubpat_VERSION_DEBARCH.deb: the executable in /usr/lib/hubpat, its two names in /usr/bin. */
function deb({ arch, exe }, hostExe) {
  const debArch = ARCHES[arch].deb;
  const dir = join(work, `deb-${debArch}`);
  put(exe, join(dir, "usr", "lib", "hubpat", "hubpat"), 0o755);
  mkdirSync(join(dir, "usr", "bin"), { recursive: true });
  for (const name of ["docker-credential-hubpat", "hub-tokens"]) symlinkSync("../lib/hubpat/hubpat", join(dir, "usr", "bin", name));
  put(join(root, "completions", COMPLETIONS.bash), join(dir, "usr", "share", "bash-completion", "completions", "hub-tokens"));
  put(join(root, "completions", COMPLETIONS.zsh), join(dir, "usr", "share", "zsh", "vendor-completions", "_hub-tokens"));
  put(join(root, "completions", COMPLETIONS.fish), join(dir, "usr", "share", "fish", "vendor_completions.d", "hub-tokens.fish"));
  for (const page of MAN) put(undefined, join(dir, "usr", "share", "man", "man1", `${page}.gz`), 0o644, gz(join(root, "dist", "man", page)));
  const doc = join(dir, "usr", "share", "doc", "hubpat");
  put(undefined, join(doc, "copyright"), 0o644, copyright());
  put(undefined, join(doc, "changelog.gz"), 0o644, gzipSync(changelog(), { level: 9 }));
  const installedKiB = Math.ceil(sizeOf(join(dir, "usr")) / 1024);
  put(undefined, join(dir, "DEBIAN", "control"), 0o644, control(debArch, shlibDepends(hostExe), installedKiB));
  touchAll(dir);
  const file = join(out, `hubpat_${version}_${debArch}.deb`);
  const r = spawnSync("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", dir, file], { encoding: "utf8", env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
  if (r.status !== 0) fail(`dpkg-deb failed: ${r.stderr}`);
  return file;
}

function sizeOf(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  return total;
}

function control(debArch, depends, installedKiB) {
  return `Package: hubpat
Version: ${version}
Architecture: ${debArch}
Maintainer: hubpat maintainers <maintainers@hubpat.org>
Installed-Size: ${installedKiB}
Depends: ${depends}
Suggests: gnome-keyring | keepassxc, pass, keyutils, docker-cli | docker.io
Section: utils
Priority: optional
Description: Docker Hub access tokens in the OS keychain
 hubpat is one program with two names. docker-credential-hubpat is a Docker
 credential helper: Docker runs it for docker login, pull, push and logout,
 and it keeps every registry's credentials in the Secret Service (GNOME
 Keyring, KWallet, KeePassXC) instead of ~/.docker/config.json.
 .
 hub-tokens is Docker Hub's personal access tokens page in a terminal: log
 in with password and 2FA code, then create, list, inspect, rename,
 (de)activate, delete, rotate and audit tokens; hub-tokens setup wires
 Docker to the helper.
`;
}

function copyright() {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: hubpat

Files: *
Copyright: 2026 the hubpat authors
License: Expat

License: Expat
${readFileSync(join(root, "LICENSE"), "utf8").split("\n").slice(4).map((l) => (l.trim() ? ` ${l}` : " .")).join("\n").replace(/(\n \.)+$/, "")}
`;
}

function changelog() {
  const date = new Date(epoch * 1000).toUTCString().replace("GMT", "+0000");
  return `hubpat (${version}) unstable; urgency=medium

  * Release ${version}: see README.md.

 -- hubpat maintainers <maintainers@hubpat.org>  ${date}
`;
}

const made = [];
for (const t of targets) {
  const machine = elfMachine(t.exe);
  if (machine !== ARCHES[t.arch].elf) fail(`${relative(root, t.exe)} is built for ELF machine ${machine}, not linux-${t.arch}`);
  made.push(archive(t), deb(t, targets[0].exe));
}
const sums = made.map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${relative(out, f)}`).join("\n");
writeFileSync(join(out, "SHA256SUMS"), `${sums}\n`);
for (const f of [...made, join(out, "SHA256SUMS")]) log(`${relative(root, f)}  ${(statSync(f).size / 1e6).toFixed(1)} MB`);
