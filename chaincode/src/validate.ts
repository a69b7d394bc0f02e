/** Input validation shared by the ledger types' constructors: one clear error per bad field. */
import { invalid } from './errors';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const MSP_PATTERN = /^[A-Za-z][A-Za-z0-9.-]{0,63}$/;

export type Input = Record<string, unknown>;

/** Parses a JSON argument that must be an object. */
export function parseObject(json: string, what: string): Input {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid(`${what} must be JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be a JSON object`);
  return value as Input;
}

export function str(input: Input, field: string, options: { max?: number; pattern?: RegExp } = {}): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${field} must be a non-empty string`);
  if (value.length > (options.max ?? 256)) throw invalid(`${field} is longer than ${options.max ?? 256} characters`);
  if (options.pattern && !options.pattern.test(value)) throw invalid(`${field} has an invalid format`);
  return value;
}

export function optionalStr(input: Input, field: string, options: { max?: number; pattern?: RegExp } = {}) {
  return input[field] === undefined ? undefined : str(input, field, options);
}

export function id(value: string, field: string): string {
  if (!ID_PATTERN.test(value)) throw invalid(`${field} must be 1-128 letters, digits, '_', '.', ':' or '-'`);
  return value;
}

export function oneOf<T extends string>(input: Input, field: string, allowed: readonly T[]): T {
  const value = input[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function listOf<T extends string>(input: Input, field: string, allowed: readonly T[]): T[] {
  const value = input[field];
  if (!Array.isArray(value) || value.length === 0) throw invalid(`${field} must be a non-empty array`);
  for (const item of value) {
    if (typeof item !== 'string' || !(allowed as readonly string[]).includes(item)) {
      throw invalid(`${field} entries must be among ${allowed.join(', ')}`);
    }
  }
  return [...new Set(value as T[])].sort();
}

export function stringList(input: Input, field: string, max = 32): string[] {
  const value = input[field] ?? [];
  if (!Array.isArray(value) || value.length > max || value.some((v) => typeof v !== 'string' || v.length > 128)) {
    throw invalid(`${field} must be an array of at most ${max} short strings`);
  }
  return value as string[];
}

/** An ISO 8601 timestamp with a time zone, normalised to UTC. */
export function isoTime(input: Input, field: string): string {
  const value = str(input, field, { max: 40 });
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw invalid(`${field} must be an ISO 8601 time with a zone`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(`${field} is not a valid time`);
  return new Date(ms).toISOString();
}

export function hex64(value: string, field: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw invalid(`${field} must be a lowercase hex SHA-256`);
  return value;
}

/** A list filter: '' for none, else one of the allowed values. */
export function filterOf<T extends string>(value: string, field: string, allowed: readonly T[]): T | '' {
  if (value === '') return '';
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(`${field} must be '' or one of ${allowed.join(', ')}`);
  return value as T;
}

/** A calendar day (UTC) as YYYY-MM-DD, or '' for none. */
export function dayFilter(value: string, field: string): string {
  if (value === '') return '';
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw invalid(`${field} must be '' or a day as YYYY-MM-DD`);
  }
  return value;
}
