// A small fake Docker engine for the Docker CLI tests: a node:http server on a unix socket, reached through
// DOCKER_HOST=unix://…. It answers only what `docker login`, `pull` and `create` need, in the Engine API's shapes,
// and records what the CLI sent — above all X-Registry-Auth, the credentials Docker looked up through the helper.
// A request without a route is recorded and answered 501; tests assert there were none.
//
// Registries in `registries` are real (test/fakes/docker-registry.ts): /auth and pulls check the credentials there,
// as a daemon would. Any other registry is pretend-public: every pull succeeds, whatever the credentials.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_TYPE } from "./docker-registry.js";

/** The API version the fake speaks: Docker 28.2's own, so the CLI needs no downgrade. */
export const API_VERSION = "1.50";

/** The AuthConfig fields the CLI sends (lower-case, all omitempty) in X-Registry-Auth and to /auth. */
export interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
  [other: string]: unknown;
}

export interface PullRecord {
  /** fromImage and tag as the CLI sent them. */
  image: string;
  tag: string;
  /** X-Registry-Auth exactly as sent (base64url JSON), or undefined when the header was missing. */
  registryAuth: string | undefined;
  /** The header decoded. */
  auth: AuthConfig | undefined;
}

export interface FakeEngineOptions {
  /** Real registries (host:port → http base URL): logins and pulls for them are checked there. */
  registries?: Record<string, string>;
  /** Registries whose login succeeds with any credentials and answers this IdentityToken (as OAuth registries do). */
  identityTokens?: Record<string, string>;
}

export interface FakeEngine {
  /** unix:///…/docker.sock, for DOCKER_HOST. */
  host: string;
  /** Bodies of POST /auth, in order. */
  logins: AuthConfig[];
  pulls: PullRecord[];
  /** X-Registry-Config of each legacy-builder build, decoded: every credential Docker could list (serveraddress → AuthConfig). */
  builds: (Record<string, AuthConfig> | undefined)[];
  /** Requests the fake had no route for. */
  unhandled: string[];
  close(): Promise<void>;
}

/** Starts the fake engine on a socket in a new temp dir. */
export async function startFakeEngine(options: FakeEngineOptions = {}): Promise<FakeEngine> {
  const dir = mkdtempSync(join(tmpdir(), "hubpat-engine-"));
  const socket = join(dir, "docker.sock");
  const registries = options.registries ?? {};
  const identityTokens = options.identityTokens ?? {};
  const present = new Set<string>();
  const engine: FakeEngine = { host: `unix://${socket}`, logins: [], pulls: [], builds: [], unhandled: [], close: async () => {} };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>> = {
    "GET /_ping": async (_req, res) => ping(res),
    "HEAD /_ping": async (_req, res) => ping(res),
    "GET /version": async (_req, res) =>
      json(res, 200, { Version: "28.2.2-hubpat-fake", ApiVersion: API_VERSION, MinAPIVersion: "1.24", Os: "linux", Arch: "amd64", Components: [] }),
    // Older CLIs (20.10) ask for the daemon's default registry before a login or pull.
    "GET /info": async (_req, res) => json(res, 200, { IndexServerAddress: "https://index.docker.io/v1/", OSType: "linux", ServerVersion: "28.2.2-hubpat-fake" }),
    "POST /auth": async (req, res) => {
      const auth = JSON.parse(await body(req)) as AuthConfig;
      engine.logins.push(auth);
      const host = hostOf(auth.serveraddress ?? "");
      const token = identityTokens[host];
      if (token !== undefined) return json(res, 200, { IdentityToken: token, Status: "Login Succeeded" });
      const base = registries[host];
      if (!base) return json(res, 500, { message: `Get "https://${host}/v2/": dial tcp: lookup ${host}: no such host` });
      const check = await fetch(`${base}/v2/`, { headers: basicAuth(auth) });
      // The daemon's words for a rejected login (registry/auth.go), as a 401 the CLI reports.
      if (check.status === 401) return json(res, 401, { message: `login attempt to ${base}/v2/ failed with status: 401 Unauthorized` });
      return json(res, 200, { IdentityToken: "", Status: "Login Succeeded" });
    },
    "POST /images/create": async (req, res, url) => {
      await body(req);
      const image = url.searchParams.get("fromImage") ?? "";
      const tag = url.searchParams.get("tag") || "latest";
      const header = req.headers["x-registry-auth"];
      const registryAuth = typeof header === "string" ? header : undefined;
      const auth = registryAuth === undefined ? undefined : (JSON.parse(Buffer.from(registryAuth, "base64url").toString("utf8")) as AuthConfig);
      engine.pulls.push({ image, tag, registryAuth, auth });
      const ref = normalise(`${image}:${tag}`);
      const { domain, path } = splitDomain(ref.slice(0, ref.lastIndexOf(":")));
      let digest = `sha256:${randomBytes(32).toString("hex")}`;
      const base = registries[domain];
      if (base) {
        const head = await fetch(`${base}/v2/${path}/manifests/${tag}`, { method: "HEAD", headers: { accept: MANIFEST_TYPE, ...basicAuth(auth ?? {}) } });
        // What a daemon answers when the registry refuses (distribution/errors.go): the CLI prints it after
        // "Error response from daemon: ".
        if (head.status === 401) return json(res, 500, { message: `Head "${base}/v2/${path}/manifests/${tag}": ${auth?.username ? "unauthorized: authentication required" : "no basic auth credentials"}` });
        if (head.status === 404) return json(res, 404, { message: `manifest for ${image}:${tag} not found: manifest unknown: manifest unknown` });
        digest = head.headers.get("docker-content-digest") ?? digest;
      }
      present.add(ref);
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`${JSON.stringify({ status: `Pulling from ${path}`, id: tag })}\n`);
      res.write(`${JSON.stringify({ status: `Digest: ${digest}` })}\n`);
      res.end(`${JSON.stringify({ status: `Status: Downloaded newer image for ${image}:${tag}` })}\n`);
    },
    "POST /build": async (req, res) => {
      await body(req); // the context tar: not looked at
      const header = req.headers["x-registry-config"];
      engine.builds.push(typeof header === "string" ? (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, AuthConfig>) : undefined);
      const id = randomBytes(32).toString("hex");
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`${JSON.stringify({ stream: "Step 1/1 : FROM scratch\n" })}\n`);
      res.write(`${JSON.stringify({ aux: { ID: `sha256:${id}` } })}\n`);
      res.end(`${JSON.stringify({ stream: `Successfully built ${id.slice(0, 12)}\n` })}\n`);
    },
    "POST /containers/create": async (req, res) => {
      const config = JSON.parse(await body(req)) as { Image?: string };
      const image = config.Image ?? "";
      // The daemon's answer that makes `docker create` pull first (and so ask the helper), then try again.
      if (!present.has(normalise(image))) return json(res, 404, { message: `No such image: ${image}` });
      return json(res, 201, { Id: randomBytes(32).toString("hex"), Warnings: [] });
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://docker");
    const path = url.pathname.replace(/^\/v1\.\d+(?=\/)/, "");
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      engine.unhandled.push(`${req.method} ${url.pathname}${url.search}`);
      return json(res, 501, { message: `the fake engine has no route for ${req.method} ${path}` });
    }
    route(req, res, url).catch((err: unknown) => json(res, 500, { message: `fake engine: ${String(err)}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, resolve);
  });
  engine.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  return engine;
}

function ping(res: ServerResponse): void {
  res.writeHead(200, { "api-version": API_VERSION, ostype: "linux", "docker-experimental": "false", "builder-version": "2", "content-type": "text/plain; charset=utf-8" });
  res.end("OK");
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(`${JSON.stringify(value)}\n`);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function basicAuth(auth: AuthConfig): Record<string, string> {
  if (!auth.username) return {};
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ""}`).toString("base64")}` };
}

/** host[:port] of a server address as Docker sends it to /auth: "127.0.0.1:5000" or "https://index.docker.io/v1/". */
function hostOf(serverAddress: string): string {
  return serverAddress.replace(/^[a-z]+:\/\//, "").replace(/\/.*$/, "");
}

/** Splits a reference's registry domain off, the way Docker does: the first part names a host if it has "." or ":" or is "localhost". */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (first && (first.includes(".") || first.includes(":") || first === "localhost")) return { domain: first, path: name.slice(slash + 1) };
  return { domain: "docker.io", path: name.includes("/") ? name : `library/${name}` };
}

/** A reference in full: domain, path and tag ("alpine" → "docker.io/library/alpine:latest"). */
function normalise(ref: string): string {
  const lastSlash = ref.lastIndexOf("/");
  const hasTag = ref.lastIndexOf(":") > lastSlash;
  const { domain, path } = splitDomain(hasTag ? ref.slice(0, ref.lastIndexOf(":")) : ref);
  return `${domain}/${path}:${hasTag ? ref.slice(ref.lastIndexOf(":") + 1) : "latest"}`;
}
