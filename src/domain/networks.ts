/**
 * IP networks (CIDR), IPv4 and IPv6: parsing a list such as THROTTLE_TRUSTED_NETWORKS and asking
 * whether an address lies in one of them. Pure; no DNS, no I/O. Addresses are numbers: IPv4 as a
 * 32-bit value, IPv6 as a 128-bit BigInt, and an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
 * read as the IPv4 address it carries.
 */

export interface IpNetwork {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  base: bigint;
  prefix: number;
  /** As written, normalised: "10.1.0.0/16", "2001:db8:1::/48". */
  text: string;
}

export interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(s: string): bigint | null {
  const m = IPV4.exec(s);
  if (!m) return null;
  let v = 0n;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return null; // "010" is octal to some tools: refused
    const n = Number(part);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(input: string): bigint | null {
  let s = input;
  // an embedded IPv4 tail (::ffff:192.0.2.1, 64:ff9b::192.0.2.1) becomes two groups
  const tail = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (v4 === null) return null;
    s = `${s.slice(0, tail.index)}:${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 ? (halves[1] ? halves[1].split(':') : []) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** An address as Express gives it (req.ip), or null when it is not one. Zone ids (%eth0) are dropped. */
export function parseAddress(text: string | undefined): ParsedAddress | null {
  const s = (text ?? '').trim().replace(/%.*$/, '');
  if (!s) return null;
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  if (!s.includes(':')) return null;
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function mask(family: 4 | 6, prefix: number): bigint {
  const width = BigInt(bits(family));
  const p = BigInt(prefix);
  return ((1n << width) - 1n) ^ ((1n << (width - p)) - 1n);
}

function formatAddress(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((v >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // the longest run of two or more zero groups becomes "::"
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/**
 * One network: "10.1.0.0/16", "2001:db8:1::/48", or a single address (a /32 or /128). Host bits
 * must be zero ("10.1.2.3/16" is refused: it usually means a typing mistake). Throws a message
 * naming the problem.
 */
export function parseNetwork(input: string): IpNetwork {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr || (slash < 0 ? false : !/^\d{1,3}$/.test(text.slice(slash + 1)))) throw new Error(`"${text}" is not an IPv4 or IPv6 network such as 10.1.0.0/16 or 2001:db8:1::/48`);
  const written4 = slash < 0 ? !text.includes(':') : !text.slice(0, slash).includes(':');
  // ::ffff:10.0.0.0/104 names IPv4 space: take it as the IPv4 network it means
  let prefix = slash < 0 ? bits(addr.family) : Number(text.slice(slash + 1));
  if (!written4 && addr.family === 4) prefix -= 96;
  if (prefix < 0 || prefix > bits(addr.family)) throw new Error(`"${text}": the prefix length must be 0-${bits(addr.family)}`);
  const base = addr.value & mask(addr.family, prefix);
  if (base !== addr.value) throw new Error(`"${text}" has host bits set: did you mean ${formatAddress(addr.family, base)}/${prefix}?`);
  return { family: addr.family, base, prefix, text: `${formatAddress(addr.family, base)}/${prefix}` };
}

/** A list separated by commas or spaces; every problem is collected (thrown as one Error listing them). */
export function parseNetworkList(text: string): IpNetwork[] {
  const out: IpNetwork[] = [];
  const problems: string[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    try {
      out.push(parseNetwork(item));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new Error(problems.join('; '));
  return out;
}

/** Does `network` contain the address? */
export function networkContains(network: IpNetwork, addr: ParsedAddress): boolean {
  return network.family === addr.family && (addr.value & mask(addr.family, network.prefix)) === network.base;
}

/** Does one of the networks contain the whole of `addr`/`prefix` (an IPv6 /64 the throttle counts by)? */
export function networksContainBlock(networks: readonly IpNetwork[], addr: ParsedAddress, prefix: number): boolean {
  return networks.some((n) => n.family === addr.family && n.prefix <= prefix && networkContains(n, addr));
}
