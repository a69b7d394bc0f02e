/** Pieces every view uses: the status area (progress, problem, outcome) and live re-reading. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { components } from './api';
import { lastEvent, notice, pending, problem } from './state';

/** The value of the input, select or text area an event came from. */
export const field = (e: Event) => (e.currentTarget as HTMLInputElement).value;

/** A labelled input bound to a setter; `required` unless the caller says otherwise. */
export function TextField(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'password' | 'number' | 'date' | 'datetime-local' | 'search';
  autocomplete?: string;
  inputMode?: 'numeric' | 'text' | 'decimal';
  pattern?: string;
  maxLength?: number;
  min?: string | number;
  step?: string | number;
  list?: string;
  required?: boolean;
}) {
  const { label, onValue, required = true, ...input } = props;
  return (
    <>
      <label for={props.id}>{label}</label>
      <input
        // Preact types <input> as one union member per `type`; the props above are all valid attributes.
        {...(input as object)}
        required={required}
        onInput={(e) => {
          onValue(field(e));
        }}
      />
    </>
  );
}

/** A labelled text area bound to a setter, like `TextField`: `required` unless the caller says otherwise. */
export function TextArea(props: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  rows: number;
  maxLength?: number;
  required?: boolean;
}) {
  const { label, onValue, required = true, ...area } = props;
  return (
    <>
      <label for={props.id}>{label}</label>
      <textarea
        {...area}
        required={required}
        onInput={(e) => {
          onValue(field(e));
        }}
      />
    </>
  );
}

/** A required choice of one of the consortium's members, by MSP ID. */
export function MemberSelect(props: {
  id: string;
  members: components['schemas']['OrgProfile'][];
  value: string;
  onChange: (mspId: string) => void;
  placeholder: string;
}) {
  return (
    <select
      id={props.id}
      required
      value={props.value}
      onChange={(e) => {
        props.onChange(field(e));
      }}
    >
      <option value="">{props.placeholder}</option>
      {props.members.map((m) => (
        <option key={m.mspId} value={m.mspId}>
          {m.displayName} ({m.mspId})
        </option>
      ))}
    </select>
  );
}

/** Progress while a call runs, the gateway's error code and message when one fails, and the last outcome. */
export function StatusArea() {
  const failed = problem.value;
  return (
    <div class="status-area">
      <p role="status" aria-live="polite" class={pending.value ? 'progress' : 'progress idle'}>
        {pending.value ? (
          <>
            <span class="spinner" aria-hidden="true" />
            {pending.value}
          </>
        ) : (
          (notice.value ?? '')
        )}
      </p>
      {failed && (
        <div role="alert" class="problem">
          <strong class="problem-code">{failed.code}</strong> <span class="problem-message">{failed.message}</span>
          {failed.txId && <span class="problem-tx"> (transaction {failed.txId})</span>}
        </div>
      )}
    </div>
  );
}

/**
 * A number that changes whenever a live event of one of `names` arrives (any event when `names`
 * is empty), so a view's loading effect that depends on it re-reads what the event changed.
 */
export function useLiveVersion(names: readonly string[]): number {
  const [version, setVersion] = useState(0);
  const event = lastEvent.value;
  useEffect(() => {
    if (event && (names.length === 0 || names.includes(event.name))) setVersion((v) => v + 1);
  }, [event, names]);
  return version;
}

/** Re-runs `load` every `ms` while mounted (for lists no event announces, e.g. reads of my data). */
export function usePolling(load: () => void, ms: number): void {
  useEffect(() => {
    const timer = setInterval(load, ms);
    return () => {
      clearInterval(timer);
    };
  }, [load, ms]);
}

export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');

/** A date input's value as the end of that day in UTC. */
export const endOfDay = (date: string) => `${date}T23:59:59Z`;

/**
 * A version for a view's loading effect: it changes on the live events `names` (none when
 * empty), on `reread()` (call it after this client's own write: the event may come a moment
 * later, or never) and, with `everyMs`, on a timer, for changes no event announces (e.g. a
 * review, an approval).
 */
export function useRereads(names: readonly string[], everyMs?: number): [number, () => void] {
  const [version, setVersion] = useState(0);
  const reread = useCallback(() => {
    setVersion((n) => n + 1);
  }, []);
  const event = lastEvent.value;
  // Compared by value: a list written inline is a new array each render, which would re-run this.
  const wanted = names.join(' ');
  useEffect(() => {
    if (event && wanted.split(' ').includes(event.name)) reread();
  }, [event, wanted, reread]);
  useEffect(() => {
    if (everyMs === undefined) return undefined;
    const timer = setInterval(reread, everyMs);
    return () => {
      clearInterval(timer);
    };
  }, [everyMs, reread]);
  return [version, reread];
}

/** "committed in block n" for a write's answer (the browser tests and people both read it). */
export const inBlock = (committed: { committedBlock?: number | undefined }) =>
  committed.committedBlock === undefined ? 'committed' : `committed in block ${String(committed.committedBlock)}`;

/** One column of a `DataTable`: its header, a row's cell, and a class on each of its cells. */
export interface Column<T> {
  header: preact.ComponentChildren;
  cell: (item: T) => preact.ComponentChildren;
  /** Names the cells for styling and for the browser tests, which find a row's status by it. */
  class?: string;
}

/** What a row carries besides its cells: `data-*` attributes (how tests find a row) and a class. */
export type RowAttributes = { class?: string | undefined } & Record<`data-${string}`, string | number>;

/** What a caller gives a table whose columns its module fixes: the rows, the caption, each row's controls. */
export interface TableProps<T> {
  rows: readonly T[];
  caption: preact.ComponentChildren;
  actions?: ((item: T) => preact.ComponentChildren) | undefined;
}

/**
 * The portal's one table: a caption, a `th scope="col"` header per column and a row per item,
 * so every list reads the same way to a screen reader. A `false` column is left out (a column
 * only some callers show). With `actions`, a last column holds each row's controls under a
 * header only screen readers read. With `empty`, no rows show as that sentence, not a table.
 */
export function DataTable<T>(
  props: TableProps<T> & {
    columns: readonly (Column<T> | false)[];
    rowKey: (item: T) => string | number;
    rowAttributes?: (item: T) => RowAttributes;
    empty?: string;
    class?: string;
  },
) {
  const { rows, rowKey, rowAttributes, actions } = props;
  if (rows.length === 0 && props.empty !== undefined) return <p>{props.empty}</p>;
  const columns = props.columns.filter((c) => c !== false);
  return (
    <table class={props.class}>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {columns.map((c, i) => (
            <th key={i} scope="col">
              {c.header}
            </th>
          ))}
          {actions && (
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.map((item) => (
          <tr key={rowKey(item)} {...rowAttributes?.(item)}>
            {columns.map((c, i) => (
              <td key={i} class={c.class}>
                {c.cell(item)}
              </td>
            ))}
            {actions && <td>{actions(item)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
