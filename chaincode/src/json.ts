/**
 * Deterministic JSON: every peer that endorses a transaction must produce the same bytes, so
 * everything written to the ledger is serialized with sorted keys.
 */
type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function sortKeys(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const entry = (value as Record<string, unknown>)[key];
      if (entry !== undefined) sorted[key] = sortKeys(entry);
    }
    return sorted;
  }
  return value as JsonValue;
}

/** Canonical JSON text of a value: keys sorted at every level, undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Canonical JSON bytes, as written to the world state. */
export function marshal(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value));
}

/** Parses stored JSON; callers validate the shape they expect. */
export function unmarshal(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}
