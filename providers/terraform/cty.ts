// Terraform values on the wire: msgpack of cty values. An object holds every attribute of its schema
// (null when absent); an unknown value is a msgpack extension (any type decodes as unknown).
import { decode, encode, ExtData } from '@msgpack/msgpack';
import type { Block, CtyType } from './schema';

/** A value Terraform does not know yet (decided at apply). */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Value = null | string | number | boolean | typeof UNKNOWN | Value[] | { [k: string]: Value };
export type ObjectValue = { [k: string]: Value };

function fromWire(v: unknown): Value {
  if (v instanceof ExtData) return UNKNOWN;
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(fromWire);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, fromWire(x)]));
  if (typeof v === 'bigint') return Number(v);
  return v as Value;
}

export function decodeValue(bytes: Uint8Array | undefined | null): Value {
  if (!bytes || bytes.length === 0) return null;
  return fromWire(decode(bytes));
}

const UNKNOWN_WIRE = new ExtData(0, new Uint8Array([0]));

function toWireTyped(v: Value, type: CtyType): unknown {
  if (v === UNKNOWN) return UNKNOWN_WIRE;
  if (v === null || v === undefined) return null;
  if (type === 'string') return String(v);
  if (type === 'number') return Number(v);
  if (type === 'bool') return Boolean(v);
  if (type[0] === 'list') return (v as Value[]).map((x) => toWireTyped(x, type[1]));
  return Object.fromEntries(Object.entries(v as ObjectValue).map(([k, x]) => [k, toWireTyped(x, type[1])]));
}

function toWireBlock(v: Value, block: Block): unknown {
  if (v === UNKNOWN) return UNKNOWN_WIRE;
  if (v === null || v === undefined) return null;
  const o = v as ObjectValue;
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(block.attributes)) out[name] = toWireTyped(o[name] ?? null, a.type);
  for (const [name, b] of Object.entries(block.blocks ?? {})) {
    const x = o[name] ?? null;
    if (b.nesting === 'single') out[name] = toWireBlock(x, b.block);
    else out[name] = x === UNKNOWN ? UNKNOWN_WIRE : ((x as Value[] | null) ?? []).map((e) => toWireBlock(e, b.block));
  }
  return out;
}

/** Encodes an object of a block's type; null encodes the absent object. */
export function encodeValue(v: ObjectValue | null, block: Block): Buffer {
  return Buffer.from(encode(toWireBlock(v, block), { ignoreUndefined: false }));
}
