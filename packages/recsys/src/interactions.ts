import { csrFromTriplets, transpose, type CsrMatrix } from './csr.ts';
import { bm25Weight, tfidfWeight } from './weighting.ts';
import { confidenceTable, DEFAULT_INTERACTION_WEIGHTS } from '@recgraph/interactions/weights';
import { EmptyInputError, IndexOutOfRangeError } from './errors.ts';

/** Event types, matching the platform's interaction events. */
export const EventType = {
  VIEW: 0,
  CLICK: 1,
  ADD_TO_CART: 2,
  PURCHASE: 3,
  LIKE: 4,
  RATE: 5,
  DISLIKE: 6,
  /** A PURCHASE a client reported (trackEvent), not one checkout recorded: weighs CLAIMED_PURCHASE. */
  CLAIMED_PURCHASE: 7,
} as const;
export type EventTypeName = keyof typeof EventType;
export type EventTypeCode = (typeof EventType)[EventTypeName];
export const EVENT_TYPE_NAMES = Object.keys(EventType) as EventTypeName[];

/**
 * Interactions in columnar form (one entry per event). `value` is the event's own value
 * (a rating for RATE; otherwise usually 1). `timestamp` is in seconds.
 */
export interface Interactions {
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly type: Uint8Array;
  readonly value: Float32Array;
  readonly timestamp: Float64Array;
}

export interface InteractionRecord {
  user: number;
  item: number;
  type?: EventTypeName | EventTypeCode;
  value?: number;
  timestamp?: number;
}

/** Packs records into the columnar form (type defaults to RATE when a value is given, else VIEW). */
export function interactionsFrom(records: Iterable<InteractionRecord>): Interactions {
  const list = Array.from(records);
  const n = list.length;
  const out = {
    user: new Int32Array(n),
    item: new Int32Array(n),
    type: new Uint8Array(n),
    value: new Float32Array(n),
    timestamp: new Float64Array(n),
  };
  for (let e = 0; e < n; e++) {
    const r = list[e]!;
    out.user[e] = r.user;
    out.item[e] = r.item;
    const t = r.type ?? (r.value !== undefined ? 'RATE' : 'VIEW');
    out.type[e] = typeof t === 'number' ? t : EventType[t];
    out.value[e] = r.value ?? 1;
    out.timestamp[e] = r.timestamp ?? 0;
  }
  return out;
}

/** The entries whose index is in `which` (in that order). */
export function subsetInteractions(x: Interactions, which: ArrayLike<number>): Interactions {
  const n = which.length;
  const out = {
    user: new Int32Array(n),
    item: new Int32Array(n),
    type: new Uint8Array(n),
    value: new Float32Array(n),
    timestamp: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const e = which[k]!;
    out.user[k] = x.user[e]!;
    out.item[k] = x.item[e]!;
    out.type[k] = x.type[e]!;
    out.value[k] = x.value[e]!;
    out.timestamp[k] = x.timestamp[e]!;
  }
  return out;
}

/**
 * Confidence per event type. A number is a fixed weight per event; RATE is a function of the
 * rating value. `null` excludes the type entirely (DISLIKE by default: a dislike is not a
 * weak positive, so it must not enter the positive matrix at all; use it as an exclusion set).
 */
export type ConfidenceTable = Record<EventTypeName, number | null | ((value: number) => number)>;

/**
 * The platform's default weights (packages/interactions, the one table every role reads):
 * VIEW 1, CLICK 2, ADD_TO_CART 4, PURCHASE 8, LIKE 6, RATE = the rating, DISLIKE excluded.
 */
export const DEFAULT_CONFIDENCE: ConfidenceTable = confidenceTable(DEFAULT_INTERACTION_WEIGHTS);

export interface BuildMatrixOptions {
  nUsers?: number;
  nItems?: number;
  confidence?: Partial<ConfidenceTable>;
  /** Post-weighting as in implicit: 'bm25' (K1=100, B=0.8) or 'tfidf'. Default none. */
  weighting?: 'none' | 'bm25' | 'tfidf';
  bm25?: { K1?: number; B?: number };
}

export interface InteractionMatrix {
  /** users × items, duplicates summed. */
  userItems: CsrMatrix;
  /** items × users (the transpose). */
  itemUsers: CsrMatrix;
}

/** Weight of one event under a confidence table, or null when the type is excluded. */
export function eventWeight(table: ConfidenceTable, type: number, value: number): number | null {
  const name = EVENT_TYPE_NAMES[type];
  if (name === undefined) throw new IndexOutOfRangeError('event type', type, EVENT_TYPE_NAMES.length);
  const c = table[name];
  if (c === null) return null;
  return typeof c === 'function' ? c(value) : c;
}

/**
 * (user, item, type, value, timestamp) events → CSR user×item confidence matrix and its transpose.
 * Each event contributes confidence[type] (RATE: confidence.RATE(value)); duplicates are summed;
 * excluded types (DISLIKE) and non-positive weights are dropped.
 */
export function buildInteractionMatrix(x: Interactions, options: BuildMatrixOptions = {}): InteractionMatrix {
  const n = x.user.length;
  if (n === 0 && (options.nUsers === undefined || options.nItems === undefined))
    throw new EmptyInputError('no interactions');
  let maxU = -1;
  let maxI = -1;
  for (let e = 0; e < n; e++) {
    if (x.user[e]! > maxU) maxU = x.user[e]!;
    if (x.item[e]! > maxI) maxI = x.item[e]!;
  }
  const nUsers = options.nUsers ?? maxU + 1;
  const nItems = options.nItems ?? maxI + 1;
  const table: ConfidenceTable = { ...DEFAULT_CONFIDENCE, ...options.confidence };
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let e = 0; e < n; e++) {
    const u = x.user[e]!;
    const i = x.item[e]!;
    if (!(u >= 0 && u < nUsers)) throw new IndexOutOfRangeError('user', u, nUsers);
    if (!(i >= 0 && i < nItems)) throw new IndexOutOfRangeError('item', i, nItems);
    const w = eventWeight(table, x.type[e]!, x.value[e]!);
    if (w === null || !(w > 0)) continue;
    rows.push(x.user[e]!);
    cols.push(x.item[e]!);
    vals.push(w);
  }
  let userItems = csrFromTriplets(nUsers, nItems, rows, cols, vals);
  if (options.weighting === 'bm25') userItems = bm25Weight(userItems, options.bm25?.K1, options.bm25?.B);
  else if (options.weighting === 'tfidf') userItems = tfidfWeight(userItems);
  return { userItems, itemUsers: transpose(userItems) };
}

/** Per-user sets of DISLIKEd items (to exclude from recommendations). */
export function dislikedItems(x: Interactions): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (let e = 0; e < x.user.length; e++) {
    if (x.type[e] !== EventType.DISLIKE) continue;
    let s = out.get(x.user[e]!);
    if (!s) out.set(x.user[e]!, (s = new Set()));
    s.add(x.item[e]!);
  }
  return out;
}

/** External string ids ⇄ dense indices 0..size-1, in first-seen order. */
export class IdMap {
  private readonly toIndex = new Map<string, number>();
  private readonly ids: string[] = [];
  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id);
  }
  /** Index of id, adding it when new. */
  add(id: string): number {
    let i = this.toIndex.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.toIndex.set(id, i);
      this.ids.push(id);
    }
    return i;
  }
  /** Index of id, or undefined when unknown. */
  index(id: string): number | undefined {
    return this.toIndex.get(id);
  }
  /** External id of index i (throws IndexOutOfRangeError). */
  id(i: number): string {
    const s = this.ids[i];
    if (s === undefined) throw new IndexOutOfRangeError('id map', i, this.ids.length);
    return s;
  }
  get size(): number {
    return this.ids.length;
  }
  toArray(): string[] {
    return this.ids.slice();
  }
}
