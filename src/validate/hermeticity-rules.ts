/**
 * [expect.hermeticity]: no peers outside the test's own services, the real resource matches,
 * forbidden keys absent.
 */
import { isIP } from "node:net";
import { addressMatcher, unmapped } from "../core/address-range.js";
import type { Finding } from "../core/result.js";
import type { Expectations } from "../config/types.js";
import { attrString } from "../telemetry/span.js";
import type { TraceIndex } from "./trace-index.js";

/** Attributes that name a network peer (old and current semantic conventions). */
const PEER_KEYS = [
  "server.address",
  "net.peer.name",
  "net.peer.ip",
  "network.peer.address",
  "http.host",
  "net.host.name",
  "db.connection_string",
  "messaging.url",
  "rpc.service",
];
const URL_KEYS = ["url.full", "http.url"];
const LOCAL = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0"]);
/** Loopback addresses (as addresses: `127.attacker.example` is a host name, not one of them). */
const LOOPBACK = addressMatcher(["127.0.0.0/8", "::1/128"]);

function hostOf(key: string, value: string): string {
  if (URL_KEYS.includes(key) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      return new URL(value).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return value;
    }
  }
  // a bare address is whole (`::1`, `fd00::5`: their last group is not a port); `[v6]:port`
  if (isIP(value)) return value;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  return value.replace(/:\d+$/, "");
}

/** The port a peer attribute names: the URL's (or its scheme's), else server/peer port keys. */
function portOf(key: string, value: string, attrs: Readonly<Record<string, unknown>>): string {
  if (URL_KEYS.includes(key) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      const byScheme: Record<string, string> = { "http:": "80", "https:": "443" };
      return u.port || byScheme[u.protocol] || "";
    } catch {
      return "";
    }
  }
  const inline = /:(\d+)$/.exec(value)?.[1];
  if (inline) return inline;
  for (const k of ["server.port", "net.peer.port", "network.peer.port"]) {
    const p = attrs[k];
    if (typeof p === "number" || typeof p === "bigint" || typeof p === "string") return String(p);
  }
  return "";
}

export function validateHermeticity(
  h: NonNullable<Expectations["hermeticity"]>,
  idx: TraceIndex,
  allowedHosts: ReadonlySet<string>,
  hostAddresses: ReadonlySet<string> = new Set(),
): Finding[] {
  const out: Finding[] = [];
  const inRange = addressMatcher(allowedHosts);
  if (h.noExternalServices) {
    for (const s of idx.spans) {
      for (const key of [...PEER_KEYS, ...URL_KEYS]) {
        const v = attrString(s.attributes[key]);
        if (v === undefined) continue;
        const written = hostOf(key, v);
        const host = unmapped(written);
        // The host's own address is inside the test only as its receiver (address:port), or as
        // the caller of a server span (clnrm's own readiness probes come from there).
        if (hostAddresses.has(host)) {
          if (s.kind === "server" || s.kind === "consumer") continue;
          if (allowedHosts.has(`${host}:${portOf(key, v, s.attributes)}`)) continue;
        } else if (LOCAL.has(host) || allowedHosts.has(host) || LOOPBACK(host) || inRange(host))
          continue;
        out.push({
          rule: "expect.hermeticity.no_external_services",
          message:
            `span "${s.name}" talks to "${written}" (${key}=${v}), ` +
            "which is not one of the test's services",
          expected: `peers among: ${[...allowedHosts].join(", ") || "(none)"}`,
          actual: written,
          spanIds: [s.spanId],
          spanNames: [s.name],
        });
        break;
      }
    }
  }
  for (const [k, want] of Object.entries(h.resourceMustMatch)) {
    const rule = `expect.hermeticity.resource_attrs.must_match[${k}]`;
    if (idx.spans.length === 0) continue;
    const bad = idx.spans.filter((s) => attrString(s.resource[k]) !== want);
    if (bad.length) {
      const found = attrString(bad[0]!.resource[k]) ?? "(absent)";
      out.push({
        rule,
        message: `${bad.length} span(s) carry resource ${k}=${found}, expected ${want}`,
        expected: want,
        actual: found,
        spanIds: bad.slice(0, 20).map((s) => s.spanId),
        spanNames: [...new Set(bad.map((s) => s.name))],
      });
    }
  }
  for (const key of h.forbidKeys) {
    const bad = idx.spans.filter((s) => key in s.attributes);
    if (bad.length)
      out.push({
        rule: `expect.hermeticity.span_attrs.forbid_keys[${key}]`,
        message: `${bad.length} span(s) carry the forbidden attribute ${key}: ${bad
          .slice(0, 5)
          .map((s) => s.name)
          .join(", ")}`,
        expected: `no attribute ${key}`,
        actual: `${key}=${attrString(bad[0]!.attributes[key])}`,
        spanIds: bad.map((s) => s.spanId),
        spanNames: bad.map((s) => s.name),
      });
  }
  return out;
}
