// A small D-Bus client: one connection to the session bus over a unix socket, EXTERNAL authentication, and the
// marshalling of the types the Secret Service calls use (https://dbus.freedesktop.org/doc/dbus-specification.html).
// The socket is Bun's own (Bun.connect) under Bun and node:net under Node: under Bun, loading node:net and its
// stream machinery costs about 8 ms of CPU per process where Bun.connect costs under 1 ms, and Docker starts the
// helper once per lookup. Both transports give the connection the same four things: write, ref/unref, destroy,
// and data/close events.
//
// Values: y/n/q/i/u are numbers, x/t bigints, b booleans, s/o/g strings, ay a Uint8Array, other arrays JS arrays
// (a dict is an array of [key, value] pairs), a struct an array of its fields, a variant a Variant.
import { bun, type BunRuntime, type BunSocket } from "../bun.js";

/** A variant: a value with its own signature. */
export interface Variant {
  signature: string;
  value: unknown;
}

/** An error reply from the other end: `name` is the D-Bus error name (org.freedesktop.DBus.Error.ServiceUnknown). */
export class DBusError extends Error {
  constructor(
    /** The D-Bus error name. */
    readonly errorName: string,
    message: string,
  ) {
    super(message ? `${errorName}: ${message}` : errorName);
  }
  override readonly name = "DBusError";
}

/** The session bus could not be reached: no address, a dead socket, or a refused handshake. */
export class BusUnreachableError extends Error {
  override readonly name = "BusUnreachableError";
}

/** The connection ended (closed by us or by the bus) while a call waited for its reply. */
export class ConnectionClosedError extends Error {
  override readonly name = "ConnectionClosedError";
}

/** A signal received on the connection. */
export interface Signal {
  path: string;
  interface: string;
  member: string;
  body: unknown[];
}

// ----- addresses -----

/**
 * The unix socket paths to try for the session bus, as libdbus finds them: DBUS_SESSION_BUS_ADDRESS (its unix
 * transports in order; an abstract socket gets Node's leading NUL), else $XDG_RUNTIME_DIR/bus when it is a socket
 * of ours. Empty when there is none.
 */
export function sessionBusSockets(env: NodeJS.ProcessEnv): string[] {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (address) {
    const out: string[] = [];
    for (const transport of address.split(";")) {
      const m = /^unix:(.*)$/.exec(transport);
      if (!m) continue;
      const params = new Map(m[1]!.split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), unescapeValue(kv.slice(kv.indexOf("=") + 1))] as const));
      if (params.has("path")) out.push(params.get("path")!);
      else if (params.has("abstract")) out.push(`\0${params.get("abstract")!}`);
    }
    return out;
  }
  const runtime = env.XDG_RUNTIME_DIR;
  if (!runtime) return [];
  try {
    const st = process.getBuiltinModule("node:fs").statSync(`${runtime}/bus`);
    return st.isSocket() && st.uid === process.getuid?.() ? [`${runtime}/bus`] : [];
  } catch {
    return [];
  }
}

function unescapeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// ----- marshalling -----

const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, h: 4, s: 4, o: 4, g: 1, a: 4, "(": 8, "{": 8, v: 1 };

/** Splits a signature into its complete types: "sa{sv}(oayays)" → ["s", "a{sv}", "(oayays)"]. */
export function splitSignature(signature: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < signature.length; ) {
    const end = typeEnd(signature, i);
    out.push(signature.slice(i, end));
    i = end;
  }
  return out;
}

function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === "a") return typeEnd(sig, i + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !(c in ALIGN)) throw new Error(`bad D-Bus signature ${sig}`);
  return i + 1;
}

class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.length++);
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  setU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  write(type: string, value: unknown): void {
    const c = type[0]!;
    switch (c) {
      case "y":
        return this.u8(value as number);
      case "b":
        return this.u32(value ? 1 : 0);
      case "n":
      case "q":
        this.align(2);
        this.room(2);
        if (c === "n") this.buf.writeInt16LE(value as number, this.length);
        else this.buf.writeUInt16LE(value as number, this.length);
        this.length += 2;
        return;
      case "i":
        this.align(4);
        this.room(4);
        this.buf.writeInt32LE(value as number, this.length);
        this.length += 4;
        return;
      case "u":
      case "h":
        return this.u32(value as number);
      case "x":
      case "t":
        this.align(8);
        this.room(8);
        if (c === "x") this.buf.writeBigInt64LE(value as bigint, this.length);
        else this.buf.writeBigUInt64LE(value as bigint, this.length);
        this.length += 8;
        return;
      case "d":
        this.align(8);
        this.room(8);
        this.buf.writeDoubleLE(value as number, this.length);
        this.length += 8;
        return;
      case "s":
      case "o": {
        const b = Buffer.from(value as string, "utf8");
        this.u32(b.length);
        this.bytes(b);
        return this.u8(0);
      }
      case "g": {
        const b = Buffer.from(value as string, "ascii");
        this.u8(b.length);
        this.bytes(b);
        return this.u8(0);
      }
      case "v": {
        const v = value as Variant;
        this.write("g", v.signature);
        return this.write(v.signature, v.value);
      }
      case "a": {
        const element = type.slice(1);
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(ALIGN[element[0]!]!);
        const start = this.length;
        if (element === "y") this.bytes(value as Uint8Array);
        else for (const item of value as unknown[]) this.write(element, item);
        this.setU32(lengthAt, this.length - start);
        return;
      }
      case "(":
      case "{": {
        this.align(8);
        const fields = splitSignature(type.slice(1, -1));
        const values = value as unknown[];
        fields.forEach((f, i) => this.write(f, values[i]));
        return;
      }
      default:
        throw new Error(`cannot write D-Bus type ${type}`);
    }
  }
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly little: boolean,
    /** Where alignment is counted from (the message's first byte). */
    private readonly base: number,
  ) {}

  private align(n: number): void {
    this.pos += (n - ((this.pos - this.base) % n)) % n;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error("truncated D-Bus message");
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  read(type: string): unknown {
    const c = type[0]!;
    const le = this.little;
    switch (c) {
      case "y":
        return this.u8();
      case "b":
        return this.u32() !== 0;
      case "n":
      case "q": {
        this.align(2);
        this.need(2);
        const v = c === "n" ? (le ? this.buf.readInt16LE(this.pos) : this.buf.readInt16BE(this.pos)) : le ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
        this.pos += 2;
        return v;
      }
      case "i": {
        this.align(4);
        this.need(4);
        const v = le ? this.buf.readInt32LE(this.pos) : this.buf.readInt32BE(this.pos);
        this.pos += 4;
        return v;
      }
      case "u":
      case "h":
        return this.u32();
      case "x":
      case "t": {
        this.align(8);
        this.need(8);
        const v = c === "x" ? (le ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos)) : le ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
        this.pos += 8;
        return v;
      }
      case "d": {
        this.align(8);
        this.need(8);
        const v = le ? this.buf.readDoubleLE(this.pos) : this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case "s":
      case "o": {
        const n = this.u32();
        this.need(n + 1);
        const s = this.buf.toString("utf8", this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case "g": {
        const n = this.u8();
        this.need(n + 1);
        const s = this.buf.toString("ascii", this.pos, this.pos + n);
        this.pos += n + 1;
        return s;
      }
      case "v": {
        const signature = this.read("g") as string;
        return { signature, value: this.read(signature) } satisfies Variant;
      }
      case "a": {
        const element = type.slice(1);
        const n = this.u32();
        this.align(ALIGN[element[0]!]!);
        this.need(n);
        const end = this.pos + n;
        if (element === "y") {
          const bytes = Uint8Array.prototype.slice.call(this.buf, this.pos, end);
          this.pos = end;
          return bytes;
        }
        const items: unknown[] = [];
        while (this.pos < end) items.push(this.read(element));
        return items;
      }
      case "(":
      case "{": {
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((f) => this.read(f));
      }
      default:
        throw new Error(`cannot read D-Bus type ${type}`);
    }
  }
}

// ----- messages -----

const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const ERROR = 3;
const SIGNAL = 4;
const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8 } as const;

interface Message {
  type: number;
  serial: number;
  fields: Map<number, unknown>;
  body: unknown[];
}

function encodeCall(serial: number, destination: string, path: string, iface: string, member: string, signature: string, args: readonly unknown[]): Buffer {
  const body = new Writer();
  splitSignature(signature).forEach((t, i) => body.write(t, args[i]));
  const bodyBytes = body.result();
  const m = new Writer();
  for (const b of [0x6c, METHOD_CALL, 0, 1]) m.u8(b);
  m.u32(bodyBytes.length);
  m.u32(serial);
  const fields: [number, Variant][] = [
    [FIELD.path, { signature: "o", value: path }],
    [FIELD.interface, { signature: "s", value: iface }],
    [FIELD.member, { signature: "s", value: member }],
    [FIELD.destination, { signature: "s", value: destination }],
  ];
  if (signature) fields.push([FIELD.signature, { signature: "g", value: signature }]);
  m.write("a(yv)", fields);
  m.align(8);
  m.bytes(bodyBytes);
  return m.result();
}

/** The length of the first whole message in `buf`, or 0 when more bytes are needed. */
function messageLength(buf: Buffer): number {
  if (buf.length < 16) return 0;
  const little = buf[0] === 0x6c;
  const bodyLength = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLength = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const headerEnd = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
  const total = headerEnd + bodyLength;
  return buf.length >= total ? total : 0;
}

/**
 * A message from its bytes. The body is read only when `wanted(type, fields)` says someone waits for it: the bus's
 * replies to Hello and its NameAcquired signal, on every connection, are read no further than their header.
 */
function decodeMessage(buf: Buffer, wanted: (type: number, fields: Map<number, unknown>) => boolean): Message {
  const little = buf[0] === 0x6c;
  if (!little && buf[0] !== 0x42) throw new Error("bad D-Bus message endianness");
  const r = new Reader(buf, 4, little, 0);
  r.u32(); // body length, already known
  const serial = r.u32();
  const fields = new Map((r.read("a(yv)") as [number, Variant][]).map(([code, v]) => [code, v.value]));
  const type = buf[1]!;
  if (!wanted(type, fields)) return { type, serial, fields, body: [] };
  const fieldsLength = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const bodyStart = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
  const signature = (fields.get(FIELD.signature) as string | undefined) ?? "";
  const body = new Reader(buf, bodyStart, little, bodyStart);
  return { type, serial, fields, body: splitSignature(signature).map((t) => body.read(t)) };
}

// ----- transports -----

/** The few things the connection needs of a unix socket, whichever runtime opened it. */
interface Transport {
  write(bytes: Uint8Array): void;
  /** Keep the process alive while a reply is awaited, and let it exit otherwise. */
  ref(): void;
  unref(): void;
  destroy(): void;
}

interface TransportEvents {
  data(chunk: Buffer): void;
  /** The socket ended or failed; after the first call, no more events. */
  closed(why: string): void;
}

/** What `closed` says when the other end hung up without an error. */
const CLOSED_BY_PEER = "closed by the peer";

/** Connects to a unix socket (a leading NUL names an abstract one); rejects with the errno code (ENOENT, ECONNREFUSED). */
function connectUnix(path: string, events: TransportEvents): Promise<Transport> {
  return bun ? connectBun(bun, path, events) : connectNode(path, events);
}

async function connectBun(runtime: BunRuntime, path: string, events: TransportEvents): Promise<Transport> {
  let queued: Uint8Array[] = [];
  let ended = false;
  const closed = (why: string) => {
    if (ended) return;
    ended = true;
    events.closed(why);
  };
  const flush = (socket: BunSocket) => {
    while (queued.length > 0) {
      const head = queued[0]!;
      const n = socket.write(head);
      if (n < head.length) {
        queued[0] = head.subarray(Math.max(n, 0));
        return;
      }
      queued.shift();
    }
  };
  let socket: BunSocket;
  try {
    socket = await runtime.connect({
      unix: path,
      socket: {
        data: (_s, chunk) => events.data(chunk),
        drain: (s) => flush(s),
        close: (_s, err) => closed(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : CLOSED_BY_PEER),
        error: (_s, err) => closed((err as NodeJS.ErrnoException).code ?? err.message),
      },
    });
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code ?? (err as Error).message, { cause: err });
  }
  return {
    write(bytes) {
      if (ended) return;
      queued.push(bytes);
      if (queued.length === 1) flush(socket);
    },
    ref: () => socket.ref(),
    unref: () => socket.unref(),
    destroy() {
      ended = true;
      queued = [];
      socket.terminate();
    },
  };
}

async function connectNode(path: string, events: TransportEvents): Promise<Transport> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    let connected = false;
    let ended = false;
    const closed = (why: string) => {
      if (ended) return;
      ended = true;
      if (connected) events.closed(why);
      else reject(new Error(why));
    };
    socket.on("data", (chunk: Buffer) => events.data(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => closed(err.code ?? err.message));
    socket.on("close", () => closed(CLOSED_BY_PEER));
    socket.once("connect", () => {
      connected = true;
      resolve({
        write: (bytes) => void socket.write(bytes),
        ref: () => void socket.ref(),
        unref: () => void socket.unref(),
        destroy() {
          ended = true;
          socket.destroy();
        },
      });
    });
  });
}

// ----- the connection -----

interface Pending {
  resolve(body: unknown[]): void;
  reject(err: Error): void;
  /** Whether the process waits for this reply (Hello's is read but waited for by nobody). */
  holds: boolean;
}

/**
 * One authenticated connection to a bus. Calls may overlap (each waits for its own reply by serial). The socket
 * keeps the process alive only while a call waits; `close()` fails every waiting call with ConnectionClosedError.
 */
export class DBusConnection {
  private serial = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly signalHandlers = new Set<(s: Signal) => void>();
  private inbox: Buffer = Buffer.alloc(0);
  private holding = 0;
  private closedWith: Error | undefined;

  /** When the bus last sent anything (performance.now()): how long a call has waited in silence. */
  lastHeardAt = performance.now();
  /** Until the bus's answer to AUTH has come: what has come of it so far. */
  private authReply: string | undefined = "";

  private constructor(
    private readonly socket: Transport,
    /** The error for a bus that refused us or hung up before it answered AUTH. */
    private readonly unreachable: (why: string) => BusUnreachableError,
  ) {}

  /**
   * Connects to the first socket that answers, and starts authenticating. The handshake is pipelined, as sd-bus
   * and zbus do it (the D-Bus specification's BEGIN command allows it): AUTH, BEGIN and Hello go out back to
   * back, and the connection is ready at once, so the first call goes out before the bus's OK comes back and a
   * lookup waits for one round trip fewer. A bus that refuses the AUTH (or hangs up before answering it) fails
   * the calls sent meanwhile with BusUnreachableError, as a refused connection does.
   */
  static async open(sockets: readonly string[]): Promise<DBusConnection> {
    if (sockets.length === 0) throw new BusUnreachableError("no D-Bus session bus address (DBUS_SESSION_BUS_ADDRESS is unset)");
    let last: Error | undefined;
    for (const path of sockets) {
      try {
        return await DBusConnection.openOne(path);
      } catch (err) {
        last = err as Error;
      }
    }
    throw last!;
  }

  private static async openOne(path: string): Promise<DBusConnection> {
    const unreachable = (why: string) => new BusUnreachableError(`cannot connect to the session bus at ${path.replace(/^\0/, "@")}: ${why}`);
    // The transport reports to the connection once it exists; nothing can arrive before the AUTH below is sent.
    const events: TransportEvents = { data: () => {}, closed: () => {} };
    let socket: Transport;
    try {
      socket = await connectUnix(path, events);
    } catch (err) {
      throw unreachable((err as Error).message);
    }
    const connection = new DBusConnection(socket, unreachable);
    events.data = (chunk) => connection.receive(chunk);
    events.closed = (why) => connection.lost(why);
    socket.unref();
    const uid = Buffer.from(String(process.getuid?.() ?? 0), "ascii").toString("hex");
    socket.write(Buffer.from(`\0AUTH EXTERNAL ${uid}\r\nBEGIN\r\n`, "latin1"));
    connection.callNoWait("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", "", []);
    return connection;
  }

  /** Calls a method and resolves its reply's body; an error reply rejects with a DBusError. */
  call(destination: string, path: string, iface: string, member: string, signature: string, args: readonly unknown[]): Promise<unknown[]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const serial = this.send(destination, path, iface, member, signature, args);
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { resolve, reject, holds: true });
      if (this.holding++ === 0) this.socket.ref();
    });
  }

  /** Sends a call whose reply is read and dropped. */
  private callNoWait(destination: string, path: string, iface: string, member: string, signature: string, args: readonly unknown[]): void {
    const serial = this.send(destination, path, iface, member, signature, args);
    this.pending.set(serial, { resolve: () => {}, reject: () => {}, holds: false });
  }

  private send(destination: string, path: string, iface: string, member: string, signature: string, args: readonly unknown[]): number {
    this.serial = (this.serial % 0xfffffffe) + 1;
    this.socket.write(encodeCall(this.serial, destination, path, iface, member, signature, args));
    return this.serial;
  }

  /** Calls `handler` for every signal the bus routes to this connection (see AddMatch); returns its removal. */
  onSignal(handler: (s: Signal) => void): () => void {
    this.signalHandlers.add(handler);
    return () => this.signalHandlers.delete(handler);
  }

  /** Whether the connection has ended. */
  get isClosed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Ends the connection; waiting calls fail with ConnectionClosedError (or `reason`). */
  close(reason: Error = new ConnectionClosedError("the session bus connection was closed")): void {
    this.fail(reason);
  }

  private fail(err: Error): void {
    if (this.closedWith) return;
    this.closedWith = err;
    this.socket.destroy();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** The transport ended: before the bus answered AUTH, the bus is unreachable; after, the connection closed. */
  private lost(why: string): void {
    if (this.authReply !== undefined) return this.fail(this.unreachable(why === CLOSED_BY_PEER ? "the bus closed the connection" : why));
    this.fail(new ConnectionClosedError(why === CLOSED_BY_PEER ? "the session bus closed the connection" : `the session bus connection failed: ${why}`));
  }

  private receive(chunk: Buffer): void {
    this.lastHeardAt = performance.now();
    if (this.authReply !== undefined) {
      // The bus's answer to AUTH is one line; BEGIN gets none, and what follows it is the bus's first message.
      this.authReply += chunk.toString("latin1");
      const end = this.authReply.indexOf("\r\n");
      if (end < 0) return;
      const line = this.authReply.slice(0, end);
      const rest = this.authReply.slice(end + 2);
      this.authReply = undefined;
      if (!line.startsWith("OK ")) return this.fail(this.unreachable(`authentication refused (${line.slice(0, 200)})`));
      if (rest.length === 0) return;
      chunk = Buffer.from(rest, "latin1");
    }
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    for (let n = messageLength(this.inbox); n > 0; n = messageLength(this.inbox)) {
      const raw = this.inbox.subarray(0, n);
      this.inbox = this.inbox.subarray(n);
      let message: Message;
      try {
        message = decodeMessage(raw, (type, fields) => this.waitsFor(type, fields));
      } catch (err) {
        return this.fail(new ConnectionClosedError(`the session bus sent a message hubpat can't read: ${(err as Error).message}`));
      }
      this.dispatch(message);
    }
  }

  /** Whether a message of this type and header is one a handler or a call waits for. */
  private waitsFor(type: number, fields: Map<number, unknown>): boolean {
    if (type === SIGNAL) return this.signalHandlers.size > 0;
    if (type !== METHOD_RETURN && type !== ERROR) return false;
    return this.pending.get(fields.get(FIELD.replySerial) as number)?.holds === true;
  }

  private dispatch(m: Message): void {
    if (m.type === SIGNAL) {
      const s: Signal = { path: m.fields.get(FIELD.path) as string, interface: m.fields.get(FIELD.interface) as string, member: m.fields.get(FIELD.member) as string, body: m.body };
      for (const h of this.signalHandlers) h(s);
      return;
    }
    if (m.type !== METHOD_RETURN && m.type !== ERROR) return;
    const serial = m.fields.get(FIELD.replySerial) as number;
    const p = this.pending.get(serial);
    if (!p) return;
    this.pending.delete(serial);
    if (p.holds && --this.holding === 0) this.socket.unref();
    if (m.type === ERROR) p.reject(new DBusError(m.fields.get(FIELD.errorName) as string, typeof m.body[0] === "string" ? m.body[0] : ""));
    else p.resolve(m.body);
  }
}
