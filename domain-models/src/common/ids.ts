// Identifiers: 128-bit command ids and client-chosen entity ids.
const HEX32 = /^[0-9a-fA-F]{32}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ENTITY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** 32 lowercase hex digits, or null for a malformed id, 0 or 2^128-1. */
export function normalizeCommandId(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  let hex: string;
  if (HEX32.test(text)) hex = text;
  else if (UUID.test(text)) hex = text.replace(/-/g, '');
  else return null;
  hex = hex.toLowerCase();
  if (hex === '0'.repeat(32) || hex === 'f'.repeat(32)) return null;
  return hex;
}

export function isEntityId(text: unknown): text is string {
  return typeof text === 'string' && ENTITY_ID.test(text);
}

export type EntityKind = 'policy' | 'claim' | 'fund' | 'member' | 'ledger';

export interface EntityRef {
  kind: EntityKind;
  id: string;
}

export function entityKey(ref: EntityRef): string {
  return `${ref.kind}/${ref.id}`;
}
