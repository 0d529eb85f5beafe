import type { InteractionTypeName } from '@recgraph/interactions';
import type { CandidatePool, UserState } from './userStateCache.ts';
import type { HistoryItem, StatedPreferences } from './userHistory.ts';

/**
 * A user's ranked state in bytes, as the updater stores it beside their pushed
 * list (user_recommendations.serving_state) and the recommend subgraph reads it
 * on a cache miss: history, stated preferences and the candidate pool. The
 * model query is not stored: it is the model's own vector or a fold-in of the
 * history, both computed without the database.
 *
 * Binary rather than JSON because it is one row per active user: product ids
 * as 16 bytes, scores as exact float64 (a list served from it must equal one
 * computed afresh), about 5 KB with a full pool where JSON takes 12 KB.
 *
 * Layout (little-endian), version 1:
 *   u8 version | u8 n + n ASCII bytes model version id ('' = no model)
 *   f64 latestAt ms (NaN = none)
 *   u32 n, n × (uuid, f64 weight, u8 strongest)       positives, strongest first
 *   u32 n, n × uuid                                    seen products that are not positives
 *   u32 n, n × uuid                                    disliked
 *   u32 n, n UTF-8 bytes of the preferences' JSON      (0 = none)
 *   u32 n (0xffffffff = no pool), n × uuid, n × f64    candidate pool, best first
 * version 2 appends:
 *   u32 n (0xffffffff = unknown), n × u32              positives' indices, most recent first
 */
export const USER_STATE_CODEC_VERSION = 2;

// Stored codes: appending is safe, reordering would misread stored states (so not the interactions module's list).
const TYPES: readonly InteractionTypeName[] = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'RATE', 'LIKE', 'DISLIKE'];
const NO_POOL = 0xffffffff;
const NO_RECENCY = 0xffffffff;

class Writer {
  private buf = Buffer.allocUnsafe(1024);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.at++);
  }
  u32(v: number): void {
    this.room(4);
    this.at = this.buf.writeUInt32LE(v, this.at);
  }
  f64(v: number): void {
    this.room(8);
    this.at = this.buf.writeDoubleLE(v, this.at);
  }
  bytes(b: Buffer): void {
    this.room(b.length);
    this.at += b.copy(this.buf, this.at);
  }
  uuid(id: string): void {
    const hex = id.replace(/-/g, '');
    if (hex.length !== 32 || !/^[0-9a-f]+$/i.test(hex)) throw new Error(`not a UUID: ${id}`);
    this.bytes(Buffer.from(hex, 'hex'));
  }
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  u8(): number {
    return this.buf.readUInt8(this.at++);
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new RangeError('truncated user state');
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }
  uuid(): string {
    const h = this.bytes(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  end(): void {
    if (this.at !== this.buf.length) throw new RangeError('trailing bytes in user state');
  }
}

/** The stored form of `state` (its `query` is left out). */
export function encodeUserState(state: UserState): Buffer {
  const w = new Writer();
  w.u8(USER_STATE_CODEC_VERSION);
  const model = Buffer.from(state.modelVersionId ?? '', 'ascii');
  w.u8(model.length);
  w.bytes(model);
  const { history } = state;
  w.f64(history.latestAt ? history.latestAt.getTime() : Number.NaN);
  w.u32(history.positives.length);
  for (const p of history.positives) {
    w.uuid(p.productId);
    w.f64(p.weight);
    w.u8(TYPES.indexOf(p.strongest));
  }
  const positive = new Set(history.positives.map((p) => p.productId));
  const others = [...history.seen].filter((id) => !positive.has(id));
  w.u32(others.length);
  for (const id of others) w.uuid(id);
  w.u32(history.disliked.size);
  for (const id of history.disliked) w.uuid(id);
  const prefs = state.prefs ? Buffer.from(JSON.stringify(state.prefs), 'utf8') : Buffer.alloc(0);
  w.u32(prefs.length);
  w.bytes(prefs);
  const pool = state.pool;
  if (!pool) w.u32(NO_POOL);
  else {
    w.u32(pool.ids.length);
    for (const id of pool.ids) w.uuid(id);
    for (const s of pool.scores) w.f64(s);
  }
  const recent = history.recent;
  const index = new Map(history.positives.map((p, i) => [p.productId, i]));
  if (!recent || recent.length !== index.size || !recent.every((id) => index.has(id))) w.u32(NO_RECENCY);
  else {
    w.u32(recent.length);
    for (const id of recent) w.u32(index.get(id)!);
  }
  return w.done();
}

/** The state `encodeUserState` stored, without its query (the caller derives it from the model). */
export function decodeUserState(bytes: Buffer): Omit<UserState, 'query'> {
  const r = new Reader(bytes);
  const version = r.u8();
  // Version 1 (stored before the re-ranker) lacks the recency order only.
  if (version !== USER_STATE_CODEC_VERSION && version !== 1)
    throw new RangeError(`unknown user state version ${version}`);
  const model = r.bytes(r.u8()).toString('ascii');
  const latest = r.f64();
  const positives: HistoryItem[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const productId = r.uuid();
    const weight = r.f64();
    const strongest = TYPES[r.u8()];
    if (!strongest) throw new RangeError('unknown interaction type in user state');
    positives.push({ productId, weight, strongest });
  }
  const seen = new Set(positives.map((p) => p.productId));
  for (let n = r.u32(); n > 0; n--) seen.add(r.uuid());
  const disliked = new Set<string>();
  for (let n = r.u32(); n > 0; n--) disliked.add(r.uuid());
  const prefsLength = r.u32();
  const prefs = prefsLength ? (JSON.parse(r.bytes(prefsLength).toString('utf8')) as StatedPreferences) : null;
  let pool: CandidatePool | undefined;
  const poolSize = r.u32();
  if (poolSize !== NO_POOL) {
    const ids: string[] = [];
    for (let i = 0; i < poolSize; i++) ids.push(r.uuid());
    const scores = new Float64Array(poolSize);
    for (let i = 0; i < poolSize; i++) scores[i] = r.f64();
    pool = { ids, scores };
  }
  let recent: string[] | undefined;
  const recentSize = version >= 2 ? r.u32() : NO_RECENCY;
  if (recentSize !== NO_RECENCY) {
    recent = [];
    for (let i = 0; i < recentSize; i++) {
      const p = positives[r.u32()];
      if (!p) throw new RangeError('recency index out of range in user state');
      recent.push(p.productId);
    }
  }
  r.end();
  return {
    modelVersionId: model || null,
    history: {
      positives,
      seen,
      disliked,
      latestAt: Number.isNaN(latest) ? null : new Date(latest),
      ...(recent ? { recent } : {}),
    },
    prefs,
    ...(pool ? { pool } : {}),
  };
}
