// A real registry for the Docker tests: Debian's docker-registry (github.com/docker/distribution) on
// 127.0.0.1:<free port>, plain HTTP (Docker treats 127.0.0.0/8 as insecure, so no TLS is needed), htpasswd auth
// and its own temp storage. Not a fake: `docker login` with no engine talks to it directly.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Whether Debian's registry and htpasswd (apache2-utils) are installed. */
export function haveDockerRegistry(): boolean {
  return ["docker-registry", "htpasswd"].every((cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0);
}

export interface RegistryUser {
  username: string;
  password: string;
}

export interface DockerRegistry {
  /** host:port, the key Docker stores its credentials under. */
  host: string;
  /** http://host:port */
  url: string;
  /** Uploads a tiny image (one config blob, no layers) as `repo:tag`, authenticated as `as`; returns its digest. */
  pushImage(repo: string, tag: string, as: RegistryUser): Promise<string>;
  close(): Promise<void>;
}

/** Media types of a Docker image manifest (schema 2), as a daemon asks for them. */
export const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_TYPE = "application/vnd.docker.container.image.v1+json";

/** Starts the registry with these users; waits until it answers /v2/ (with a 401). */
export async function startDockerRegistry(users: RegistryUser[]): Promise<DockerRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-registry-"));
  // htpasswd -i reads the password from stdin: secrets stay out of argv. -B: bcrypt, the only hash the registry takes.
  const lines = users.map((u) => {
    const r = spawnSync("htpasswd", ["-niB", u.username], { input: u.password, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
    return r.stdout.trim();
  });
  writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = [
      "version: 0.1",
      "log: { level: error, accesslog: { disabled: true } }",
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(join(dir, "storage"))} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", secret: "hubpat-test-registry" }`,
      `auth: { htpasswd: { realm: basic-realm, path: ${JSON.stringify(join(dir, "htpasswd"))} } }`,
    ].join("\n");
    writeFileSync(join(dir, "config.yml"), `${config}\n`);
    const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
    const url = `http://127.0.0.1:${port}`;
    if (await answers(url, child)) {
      return {
        host: `127.0.0.1:${port}`,
        url,
        pushImage: (repo, tag, as) => pushImage(url, repo, tag, as),
        async close() {
          await stop(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stop(child);
    // Another process may have taken the port between freePort() and the registry's listen.
    if (attempt >= 3) throw new Error(`docker-registry did not start: ${log.trim()}`);
  }
}

async function answers(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    try {
      const res = await fetch(`${url}/v2/`);
      if (res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  return false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const basic = (u: RegistryUser) => `Basic ${Buffer.from(`${u.username}:${u.password}`).toString("base64")}`;
const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** The registry's HTTP API for a push, without a daemon: upload the config blob, then put the manifest. */
async function pushImage(url: string, repo: string, tag: string, as: RegistryUser): Promise<string> {
  const auth = { authorization: basic(as) };
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] } }));
  const configDigest = sha256(config);
  const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: "POST", headers: auth });
  if (start.status !== 202) throw new Error(`blob upload of ${repo} refused: ${start.status}`);
  const location = new URL(start.headers.get("location")!, url);
  location.searchParams.set("digest", configDigest);
  const put = await fetch(location, { method: "PUT", headers: { ...auth, "content-type": "application/octet-stream" }, body: config });
  if (put.status !== 201) throw new Error(`blob upload of ${repo} failed: ${put.status} ${await put.text()}`);
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, config: { mediaType: CONFIG_TYPE, size: config.length, digest: configDigest }, layers: [] });
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, { method: "PUT", headers: { ...auth, "content-type": MANIFEST_TYPE }, body: manifest });
  if (res.status !== 201) throw new Error(`manifest put of ${repo}:${tag} failed: ${res.status} ${await res.text()}`);
  return sha256(manifest);
}
