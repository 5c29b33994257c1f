/**
 * Deterministic randomness for template functions. A 32-bit PRNG is four lines and
 * needs no dependency; faker (used for fake_* data) is seeded from the same source.
 */
export type Rng = () => number; // uniform in [0, 1)

/** mulberry32: small, fast, good enough for test data (not for cryptography). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a base seed with a call index into a new 32-bit seed (splitmix-style finaliser). */
export function mixSeed(base: number, index: number): number {
  let h = (Math.floor(base) ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

export function randomInt(rng: Rng, min: number, maxExclusive: number): number {
  return min + Math.floor(rng() * Math.max(0, maxExclusive - min));
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** RFC 9562 version-4 UUID from 16 random bytes. */
export function uuidV4(rng: Rng): string {
  const b = randomBytes(rng, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(hex(b));
}

/** RFC 9562 version-7 UUID: 48-bit unix milliseconds, then random bits. */
export function uuidV7(rng: Rng, unixMs: number): string {
  const b = randomBytes(rng, 16);
  let ms = BigInt(Math.floor(unixMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuid(hex(b));
}

function formatUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** ULID (ulid/spec): 10 Crockford base-32 characters of time, 16 of randomness. */
export function ulid(rng: Rng, unixMs: number): string {
  let t = Math.floor(unixMs);
  let time = "";
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (let i = 0; i < 16; i++) rand += CROCKFORD[Math.floor(rng() * 32)];
  return time + rand;
}

export function randomHex(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rng() * 16)];
  return s;
}
