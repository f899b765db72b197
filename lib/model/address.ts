// IP addresses and CIDR blocks as integer ranges, so that "inside" and "overlaps" are exact for
// both families.
import ipaddr from 'ipaddr.js';
import type { Family } from './types';

export interface Block {
  family: Family;
  first: bigint;
  last: bigint;
  prefix: number;
  text: string;
}

function toBigInt(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/**
 * Results by text, bounded: a plan compares every subnet of the spec with every network on the host,
 * and ipaddr's parse of the same few texts would otherwise be most of a no-op's work.
 */
function remembered<T>(compute: (text: string) => T): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    if (known.has(text)) return known.get(text)!;
    if (known.size >= 10_000) known.clear();
    const value = compute(text);
    known.set(text, value);
    return value;
  };
}

const parsedAddress = remembered((text: string): { family: Family; value: bigint } | undefined => {
  // ipaddr also reads zones (fe80::1%eth0) and IPv4 parts in octal or hex (010.0.0.1, ::ffff:0x0a.0.0.1).
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !ipaddr.isValid(text)) return undefined;
  const v4 = text.slice(text.lastIndexOf(':') + 1);
  if (v4.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(v4)) return undefined;
  const address = ipaddr.parse(text);
  return { family: address.kind(), value: toBigInt(address.toByteArray()) };
});

/** The family of an address written plainly, as Docker reads it; undefined when it is not one. */
export function addressFamily(text: string): Family | undefined {
  return parsedAddress(text)?.family;
}

export function addressValue(text: string): bigint {
  return parsedAddress(text)?.value ?? toBigInt(ipaddr.parse(text).toByteArray());
}

/** Parses a CIDR block; undefined when it is not one. A host part that is not zero is refused. */
export const parseBlock = remembered((text: string): Block | undefined => {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const family = addressFamily(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!family || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const bits = family === 'ipv4' ? 32 : 128;
  if (prefix > bits) return undefined;
  const value = addressValue(text.slice(0, slash));
  const size = 1n << BigInt(bits - prefix);
  const first = (value / size) * size;
  if (first !== value) return undefined;
  // Shared by every caller that parses the same text: frozen, so none can change it for the others.
  return Object.freeze({ family, first, last: first + size - 1n, prefix, text });
});

export function blockContains(block: Block, address: string): boolean {
  if (addressFamily(address) !== block.family) return false;
  const v = addressValue(address);
  return v >= block.first && v <= block.last;
}

export function blockInside(inner: Block, outer: Block): boolean {
  return inner.family === outer.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function blocksOverlap(a: Block, b: Block): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The canonical text of an address (Docker prints IPv6 compressed). */
export function canonicalAddress(text: string): string {
  return ipaddr.parse(text).toString();
}

/** Whether two addresses are the same (IPv6 written either way); two absent ones are the same too. */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return !a === !b;
  return addressFamily(a) && addressFamily(b) ? canonicalAddress(a) === canonicalAddress(b) : a === b;
}

export const MAC_PATTERN = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;
