// hubpat's D-Bus connection (src/store/dbus.ts) against a fake bus on a unix socket: the handshake is pipelined
// (AUTH, BEGIN, Hello and the first call leave before the bus has said anything), and a bus that refuses the AUTH
// or hangs up before answering it is an unreachable bus for the calls sent meanwhile, in this module and in every
// build of the helper.
import { mkdtempSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BusUnreachableError, DBusConnection } from "../../src/store/dbus.js";
import { helperCommands } from "../fakes/binaries.js";
import { hubpat } from "../helper/processes.js";

const uidHex = Buffer.from(String(process.getuid?.() ?? 0), "ascii").toString("hex");

/** A METHOD_RETURN answering `replySerial` with one string, laid out as the D-Bus specification has it. */
function methodReturn(replySerial: number, text: string): Buffer {
  const value = Buffer.from(text, "utf8");
  const body = Buffer.alloc(4 + value.length + 1);
  body.writeUInt32LE(value.length, 0);
  value.copy(body, 4);
  const header = Buffer.alloc(32);
  header.write("l", 0, "latin1");
  header[1] = 2; // METHOD_RETURN
  header[3] = 1; // protocol version
  header.writeUInt32LE(body.length, 4);
  header.writeUInt32LE(1, 8); // the bus's own serial
  header.writeUInt32LE(15, 12); // header fields: two structs, 16..31
  header[16] = 5; // REPLY_SERIAL, variant "u"
  header.write("\x01u\x00", 17, "latin1");
  header.writeUInt32LE(replySerial, 20);
  header[24] = 8; // SIGNATURE, variant "g" = "s"
  header.write("\x01g\x00\x01s\x00", 25, "latin1");
  return Buffer.concat([header, body]);
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A fake bus at a fresh socket path; `onData` sees everything each client has sent so far. */
async function fakeBus(onData: (socket: Socket, received: Buffer) => void): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "hubpat-dbus-")), "bus");
  const server = createServer((socket) => {
    let received = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      onData(socket, received);
    });
    socket.on("error", () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

const search = (c: DBusConnection) => c.call("org.freedesktop.secrets", "/org/freedesktop/secrets", "org.freedesktop.Secret.Service", "SearchItems", "a{ss}", [[["service", "x"]]]);

describe("the D-Bus connection's handshake", () => {
  it("sends AUTH, BEGIN, Hello and the first call before the bus answers, then reads the OK and the reply", async () => {
    let answered = false;
    let sawCallBeforeAnswering = false;
    let prefix = "";
    const path = await fakeBus((socket, received) => {
      if (answered || !received.includes("SearchItems")) return;
      sawCallBeforeAnswering = true;
      prefix = received.subarray(0, received.indexOf("BEGIN\r\n") + 7).toString("latin1");
      answered = true;
      // Hello is serial 1 and gets no answer here: nobody waits for it. The call is serial 2.
      socket.write(Buffer.concat([Buffer.from("OK 1234deadbeef\r\n", "latin1"), methodReturn(2, "found")]));
    });
    const connection = await DBusConnection.open([path]);
    expect(await search(connection)).toEqual(["found"]);
    expect(sawCallBeforeAnswering).toBe(true);
    expect(prefix).toBe(`\0AUTH EXTERNAL ${uidHex}\r\nBEGIN\r\n`);
    connection.close();
  });

  it("fails the calls sent meanwhile as an unreachable bus when the bus refuses the AUTH", async () => {
    const path = await fakeBus((socket) => socket.end("REJECTED EXTERNAL\r\n"));
    const connection = await DBusConnection.open([path]);
    const failure = await search(connection).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(BusUnreachableError);
    expect((failure as Error).message).toBe(`cannot connect to the session bus at ${path}: authentication refused (REJECTED EXTERNAL)`);
    expect(connection.isClosed).toBe(true);
  });

  it("fails them the same way when the bus hangs up before it answers", async () => {
    const path = await fakeBus((socket) => socket.destroy());
    const connection = await DBusConnection.open([path]);
    const failure = await search(connection).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(BusUnreachableError);
    expect((failure as Error).message).toBe(`cannot connect to the session bus at ${path}: the bus closed the connection`);
  });

  it.each(helperCommands().map((b) => [b.name, b.command] as const))("%s answers a bus that refuses the AUTH exactly as a dead bus", async (_name, command) => {
    const refusing = await fakeBus((socket) => socket.end("REJECTED EXTERNAL\r\n"));
    const env = { ...process.env, HOME: mkdtempSync(join(tmpdir(), "hubpat-home-")), HUBPAT_STORE: "keychain", DBUS_SESSION_BUS_ADDRESS: `unix:path=${refusing}` };
    const dead = { ...env, DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus" };
    const store = `${JSON.stringify({ ServerURL: "https://r.test", Username: "u", Secret: "s" })}\n`;
    for (const [action, input] of [["get", "https://index.docker.io/v1/"], ["store", store], ["list", ""]] as const) {
      const refused = await hubpat([action], input, env, command);
      expect({ action, ...refused }).toEqual({ action, ...(await hubpat([action], input, dead, command)) });
      expect(`${refused.stdout}${refused.stderr}`).toContain("no D-Bus session bus");
    }
  });
});
