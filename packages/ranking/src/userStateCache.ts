import type { UserQuery } from './servingModel.ts';
import type { StatedPreferences, UserHistory } from './userHistory.ts';

/** Candidates best first, in parallel arrays (an object per candidate would cost ~5× the memory). */
export interface CandidatePool {
  ids: string[];
  scores: Float64Array;
}

/** What serving knows about one user under one model: enough to rank without a query or a model scan. */
export interface UserState {
  /** The model the query and pool belong to (null: no model). */
  modelVersionId: string | null;
  history: UserHistory;
  /** The user as the model sees them (trained vector or fold-in); undefined when it cannot. */
  query: UserQuery | undefined;
  /** Stated preferences, read only for a user with no positive history (cold start); null: none. */
  prefs: StatedPreferences | null;
  /** The model's best candidates for this user, disliked products excluded; filled on first use. */
  pool?: CandidatePool | undefined;
}

/**
 * Recently served users' state, least recently used evicted past `maxUsers`.
 * An entry stays valid until the user's next interaction or list change
 * arrives on the bus (forget), the model changes (keyed by version), or
 * `ttlMs` passes (a backstop for a missed event). Memory is bounded by
 * maxUsers × a user's history (≤ HISTORY_LIMIT products, usually far fewer).
 */
export class UserStateCache {
  private readonly entries = new Map<string, { state: UserState; at: number }>();
  /** userId → when this process last heard the user changed (ms), oldest first. */
  private readonly changes = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(
    readonly maxUsers: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(userId: string, modelVersionId: string | null): UserState | undefined {
    const e = this.entries.get(userId);
    if (!e || e.state.modelVersionId !== modelVersionId || Date.now() - e.at > this.ttlMs) {
      this.misses++;
      return undefined;
    }
    // Re-inserting moves it to the end: Map iteration order is the LRU order.
    this.entries.delete(userId);
    this.entries.set(userId, e);
    this.hits++;
    return e.state;
  }

  set(userId: string, state: UserState): void {
    if (this.maxUsers <= 0) return;
    this.entries.delete(userId);
    this.entries.set(userId, { state, at: Date.now() });
    while (this.entries.size > this.maxUsers) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }

  /**
   * The user changed (an interaction, feedback, new preferences): drop their entry
   * and remember when, so a stored state ranked before that moment is not used
   * (`changedAt`). A mark outlives the entry TTL (a stopped updater must not make an
   * old state current again); the oldest go past maxUsers.
   */
  changed(userId: string, at = Date.now()): void {
    this.entries.delete(userId);
    if (this.maxUsers <= 0) return;
    this.changes.delete(userId);
    this.changes.set(userId, at);
    while (this.changes.size > this.maxUsers) this.changes.delete(this.changes.keys().next().value!);
  }

  /** When the user last changed as far as this process heard (ms), or 0. */
  changedAt(userId: string): number {
    return this.changes.get(userId) ?? 0;
  }

  /** The entry as it is, without touching recency or checking age (the updater's capture of what it ranked). */
  peek(userId: string): UserState | undefined {
    return this.entries.get(userId)?.state;
  }

  clear(): void {
    this.entries.clear();
    this.changes.clear();
  }
}
