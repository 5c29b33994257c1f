/**
 * Address ranges in CIDR form (`172.22.0.0/16`): whether an IP address lies in one of them.
 * node:net's BlockList does the matching (an IPv4 range also matches the IPv4-mapped IPv6 form
 * `::ffff:172.22.0.5` a dual-stack socket reports); this adds the parsing.
 */
import { BlockList, isIP } from "node:net";

/**
 * A predicate over addresses: true for an IP address inside any CIDR entry of `ranges`. Entries
 * that are not CIDR (host names, bare addresses, `10.0.0.0/33`) are ignored; with none left,
 * nothing matches.
 */
export function addressMatcher(ranges: Iterable<string>): (address: string) => boolean {
  const list = new BlockList();
  let any = false;
  for (const entry of ranges) {
    const [net, bits] = entry.split("/");
    const type = isIP(net ?? "");
    if (bits === undefined || type === 0 || !/^\d+$/.test(bits)) continue;
    try {
      list.addSubnet(net!, Number(bits), type === 4 ? "ipv4" : "ipv6");
      any = true;
    } catch {
      // a prefix longer than the address (10.0.0.0/33): not a range
    }
  }
  return (address) => {
    if (!any) return false;
    const type = isIP(address);
    return type !== 0 && list.check(address, type === 4 ? "ipv4" : "ipv6");
  };
}

/** An IPv4-mapped IPv6 address as the IPv4 address it is (`::ffff:172.30.0.1`); others as given. */
export const unmapped = (address: string): string =>
  address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");

/**
 * Which senders a receiver on `self` (the test network's gateway) must refuse: any address
 * outside `range` (the network's subnet), and `self`, which is the host's own address (a host
 * process, a host-network container), not one of the test's containers. No range: no check.
 */
export function foreignSender(
  range: string | undefined,
  self: string,
): ((from: string) => boolean) | undefined {
  if (!range) return undefined;
  const inRange = addressMatcher([range]);
  return (from) => !inRange(from) || unmapped(from) === self;
}
