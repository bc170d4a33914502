// RFC 6238 TOTP (SHA-1, 30 s steps, 6 digits), what authenticator apps and Docker Hub's 2FA use. The emulator
// checks codes with it and tests read the current code from it; nothing outside node:crypto.
import { createHmac } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The demo account's TOTP secret (base32): add it to an authenticator app, or read the code the emulator prints. */
export const DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPHUBPATDEMO234567";

function base32Decode(secret: string): Buffer {
  const clean = secret.replace(/[\s=]/g, "").toUpperCase();
  let bits = 0, value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character in TOTP secret`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code for `secret` at `timeMs` (30-second step). */
export function totp(secret: string, timeMs: number): string {
  const counter = Math.floor(timeMs / 1000 / 30);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", base32Decode(secret)).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, "0");
}

/** Whether `code` is valid now, allowing one step of clock drift either way as authenticator servers do. */
export function checkTotp(secret: string, code: string, timeMs: number): boolean {
  return [-1, 0, 1].some((step) => totp(secret, timeMs + step * 30_000) === code);
}
