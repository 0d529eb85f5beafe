import type { InteractionTypeValue } from '../records.ts';
import type { Taxonomy } from './categories.ts';
import { EventQueue } from './event-queue.ts';
import { LATENT_DIMS, latentDot, STYLE_DIMS, styleDot } from './latent.ts';
import type { Catalogue } from './products.ts';
import { Rng } from './random.ts';
import type { Timeline } from './timeline.ts';
import type { Population } from './users.ts';

/**
 * Shopping behaviour driven by latent taste. Each user visits in sessions;
 * a session browses one category the user likes (or what is trending), views
 * popular products there, picking those that suit them, and moves down the
 * funnel VIEW -> CLICK -> ADD_TO_CART -> PURCHASE with probabilities rising
 * with utility. Purchases get rated (and sometimes reviewed) on a later visit.
 *
 * Users are simulated independently (own random stream each) and merged by
 * time through a heap, so memory is O(users + sessions in progress), never
 * O(interactions).
 */

export interface SimEvent {
  time: number;
  user: number;
  product: number;
  type: InteractionTypeValue;
  value: number;
  /** Set on RATE events the user also writes a review for. */
  review: boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Average events one session produces with the funnel below; converts a user's activity into a session count. */
export const EVENTS_PER_SESSION = 5.8;

const TRENDING_SHARE = 0.15;
const CANDIDATES = 5;
const CHOICE_SHARPNESS = 2;
const LEAF_SHARPNESS = 1.8;
const FAVOURITE_LEAVES = 8;
const MORE_VIEWS = 0.72;
const MAX_VIEWS = 25;
const RATE_SHARE = 0.35;
const REVIEW_SHARE = 0.4;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Rating 1-5: mostly positive (people buy what they like), worse the poorer the match. */
export function ratingFor(utility: number, noise: number): number {
  return Math.max(1, Math.min(5, Math.round(3.5 + 1.4 * (utility - 1) + 0.9 * noise)));
}

interface PendingRating {
  product: number;
  utility: number;
}

interface FavouriteLeaves {
  leaves: Int32Array;
  /** Cumulative probability of each favourite; the rest goes to any leaf by size. */
  cumulative: Float64Array;
}

interface Cursor {
  key: number;
  user: number;
  rng: Rng;
  sessionsLeft: number;
  /** Position in [0, 1] of the last session along the window's traffic curve. */
  position: number;
  lastEventTime: number;
  buffer: SimEvent[];
  next: number;
  ratings: PendingRating[];
  /** Computed at the user's first session. */
  leaves?: FavouriteLeaves;
}

export class ShoppingSimulation {
  private readonly leafVectors: Float32Array;
  private readonly leafCount: Int32Array;
  private readonly leafStart: Int32Array;
  /** Product indices grouped by leaf, and their popularity, cumulative within each leaf. */
  private readonly byLeaf: Int32Array;
  private readonly byLeafCumulative: Float64Array;
  private readonly globalCumulative: Float64Array;
  private readonly leafSizeCumulative: Float64Array;

  constructor(
    private readonly seed: number,
    private readonly taxonomy: Taxonomy,
    private readonly catalogue: Catalogue,
    private readonly population: Population,
    private readonly timeline: Timeline,
  ) {
    const leaves = taxonomy.leaves.length;
    const n = catalogue.products.length;
    this.leafVectors = new Float32Array(leaves * STYLE_DIMS);
    for (const leaf of taxonomy.leaves) this.leafVectors.set(leaf.vector, leaf.index * STYLE_DIMS);

    this.leafCount = leafProductCounts(catalogue, leaves);
    this.leafStart = new Int32Array(leaves + 1);
    for (let l = 0; l < leaves; l++)
      this.leafStart[l + 1] = (this.leafStart[l] as number) + (this.leafCount[l] as number);
    this.byLeaf = new Int32Array(n);
    this.byLeafCumulative = new Float64Array(n);
    const fill = this.leafStart.slice(0, leaves);
    for (let p = 0; p < n; p++) {
      const leaf = catalogue.leafOf[p] as number;
      const slot = fill[leaf] as number;
      this.byLeaf[slot] = p;
      fill[leaf] = slot + 1;
    }
    for (let l = 0; l < leaves; l++) {
      let sum = 0;
      for (let k = this.leafStart[l] as number; k < (this.leafStart[l + 1] as number); k++) {
        sum += catalogue.popularity[this.byLeaf[k] as number] as number;
        this.byLeafCumulative[k] = sum;
      }
    }
    this.leafSizeCumulative = new Float64Array(leaves);
    let sizes = 0;
    for (let l = 0; l < leaves; l++) {
      sizes += Math.sqrt(this.leafCount[l] as number);
      this.leafSizeCumulative[l] = sizes;
    }
    this.globalCumulative = new Float64Array(n);
    let sum = 0;
    for (let p = 0; p < n; p++) {
      sum += catalogue.popularity[p] as number;
      this.globalCumulative[p] = sum;
    }
  }

  /** All events of all users in time order (ties: user index, then the user's own order). */
  *events(): Generator<SimEvent> {
    const queue = new EventQueue<Cursor>();
    const { activity } = this.population;
    for (let user = 0; user < activity.length; user++) {
      const rng = Rng.stream(this.seed, 'behaviour', user);
      const expectedSessions = (activity[user] as number) / EVENTS_PER_SESSION;
      const sessions = Math.floor(expectedSessions + rng.next());
      if (sessions === 0) continue;
      const cursor: Cursor = {
        key: 0,
        user,
        rng,
        sessionsLeft: sessions,
        position: 0,
        lastEventTime: -Infinity,
        buffer: [],
        next: 0,
        ratings: [],
      };
      if (this.scheduleNextSession(cursor)) queue.push(cursor);
    }

    for (;;) {
      const cursor = queue.peek();
      if (!cursor) return;
      if (cursor.next < cursor.buffer.length) {
        const event = cursor.buffer[cursor.next++] as SimEvent;
        yield event;
        if (cursor.next < cursor.buffer.length) {
          cursor.key = (cursor.buffer[cursor.next] as SimEvent).time;
          queue.replaceTop(cursor);
        } else if (this.scheduleNextSession(cursor)) {
          queue.replaceTop(cursor);
        } else {
          queue.pop();
        }
        continue;
      }
      // The cursor's next session starts now: play it into the buffer.
      this.playSession(cursor, cursor.key);
      if (cursor.buffer.length > 0) {
        cursor.key = (cursor.buffer[0] as SimEvent).time;
        queue.replaceTop(cursor);
      } else if (this.scheduleNextSession(cursor)) {
        queue.replaceTop(cursor);
      } else {
        queue.pop();
      }
    }
  }

  /** Sets cursor.key to the next session's start; false when the user has no more sessions in the window. */
  private scheduleNextSession(cursor: Cursor): boolean {
    cursor.buffer = [];
    cursor.next = 0;
    if (cursor.sessionsLeft === 0) return false;
    const { rng } = cursor;
    // Next of k sorted uniforms on [position, 1]: keeps session times sorted without storing them.
    cursor.position += (1 - cursor.position) * (1 - rng.next() ** (1 / cursor.sessionsLeft));
    cursor.sessionsLeft--;
    const start = Math.max(
      this.timeline.at(cursor.position),
      cursor.lastEventTime + 10 * MINUTE + Math.floor(rng.exponential(2 * 60 * MINUTE)),
    );
    if (start >= this.timeline.endMs) return false;
    cursor.key = start;
    return true;
  }

  private playSession(cursor: Cursor, start: number): void {
    const { rng, user } = cursor;
    const { taste } = this.population;
    const { purchasable } = this.catalogue;
    const factors = this.catalogue.factors;
    const userRow = user * LATENT_DIMS;
    const events: SimEvent[] = [];
    let time = start;
    const emit = (product: number, type: InteractionTypeValue, value: number, review = false): void => {
      events.push({ time, user, product, type, value, review });
    };

    // Coming back: rate what was bought last time.
    for (const rating of cursor.ratings) {
      time += SECOND + Math.floor(rng.exponential(20 * SECOND));
      const review = rng.chance(REVIEW_SHARE);
      emit(rating.product, 'RATE', ratingFor(rating.utility, rng.normal()), review);
    }
    cursor.ratings = [];

    const leaf = rng.chance(TRENDING_SHARE) ? -1 : this.pickLeaf(cursor, rng);
    const views = Math.min(MAX_VIEWS, 1 + rng.geometric(1 - MORE_VIEWS));
    const cart: Array<{ product: number; quantity: number; utility: number }> = [];
    for (let v = 0; v < views; v++) {
      time += 3 * SECOND + Math.floor(rng.exponential(35 * SECOND));
      const product = this.pickProduct(leaf, userRow, rng);
      const utility = latentDot(taste, userRow, factors, product * LATENT_DIMS);
      emit(product, 'VIEW', 1);
      if (rng.chance(sigmoid(-2.2 + 1.2 * utility))) {
        time += 2 * SECOND + Math.floor(rng.exponential(6 * SECOND));
        emit(product, 'CLICK', 1);
        if (rng.chance(sigmoid(-4.5 + 1.8 * utility))) {
          time += SECOND + Math.floor(rng.exponential(5 * SECOND));
          emit(product, 'LIKE', 1);
        }
        if (
          purchasable[product] === 1 &&
          !cart.some((item) => item.product === product) &&
          rng.chance(sigmoid(-3.0 + 1.2 * utility))
        ) {
          time += 5 * SECOND + Math.floor(rng.exponential(30 * SECOND));
          const quantity = rng.chance(0.88) ? 1 : rng.int(2, 3);
          emit(product, 'ADD_TO_CART', quantity);
          cart.push({ product, quantity, utility });
        }
      } else if (rng.chance(sigmoid(-3.5 - 1.6 * utility))) {
        time += SECOND + Math.floor(rng.exponential(4 * SECOND));
        emit(product, 'DISLIKE', 1);
      }
    }
    // Checkout at the end of the visit; abandoned carts are the norm, not the exception.
    if (cart.length > 0) time += 20 * SECOND + Math.floor(rng.exponential(90 * SECOND));
    for (const item of cart) {
      if (!rng.chance(sigmoid(-0.5 + 0.8 * item.utility))) continue;
      time += SECOND;
      emit(item.product, 'PURCHASE', item.quantity);
      if (rng.chance(RATE_SHARE)) cursor.ratings.push({ product: item.product, utility: item.utility });
    }

    // Nothing leaks past the end of the window.
    let keep = events.length;
    while (keep > 0 && (events[keep - 1] as SimEvent).time >= this.timeline.endMs) keep--;
    events.length = keep;
    cursor.buffer = events;
    cursor.next = 0;
    cursor.lastEventTime = time;
  }

  /**
   * A category for this session: one of the user's favourite leaves by taste
   * and size, or, with the probability mass outside their favourites, any leaf
   * by size. Only the top few are kept per user, so memory stays O(users).
   */
  private pickLeaf(cursor: Cursor, rng: Rng): number {
    cursor.leaves ??= this.favouriteLeaves(cursor.user);
    const { leaves, cumulative } = cursor.leaves;
    const r = rng.next();
    for (let k = 0; k < leaves.length; k++) if (r < (cumulative[k] as number)) return leaves[k] as number;
    return sampleCumulative(this.leafSizeCumulative, 0, this.leafSizeCumulative.length, rng.next(), null);
  }

  private favouriteLeaves(user: number): FavouriteLeaves {
    const count = this.leafCount.length;
    const weights = new Float64Array(count);
    const row = user * LATENT_DIMS;
    let total = 0;
    for (let l = 0; l < count; l++) {
      const size = this.leafCount[l] as number;
      if (size === 0) continue;
      weights[l] =
        Math.sqrt(size) *
        Math.exp(LEAF_SHARPNESS * styleDot(this.population.taste, row, this.leafVectors, l * STYLE_DIMS));
      total += weights[l] as number;
    }
    const order = Array.from(weights.keys())
      .filter((l) => (weights[l] as number) > 0)
      .sort((a, b) => (weights[b] as number) - (weights[a] as number) || a - b)
      .slice(0, FAVOURITE_LEAVES);
    const leaves = Int32Array.from(order);
    const cumulative = new Float64Array(order.length);
    let sum = 0;
    order.forEach((l, k) => {
      sum += (weights[l] as number) / total;
      cumulative[k] = sum;
    });
    return { leaves, cumulative };
  }

  /** Of a few popular products (in the leaf, or anywhere when leaf is -1), the one that suits the user best, softly. */
  private pickProduct(leaf: number, userRow: number, rng: Rng): number {
    const { taste } = this.population;
    const factors = this.catalogue.factors;
    let chosen = 0;
    let total = 0;
    for (let c = 0; c < CANDIDATES; c++) {
      const product =
        leaf < 0
          ? sampleCumulative(this.globalCumulative, 0, this.globalCumulative.length, rng.next(), null)
          : sampleCumulative(
              this.byLeafCumulative,
              this.leafStart[leaf] as number,
              this.leafStart[leaf + 1] as number,
              rng.next(),
              this.byLeaf,
            );
      // Reservoir-style softmax pick: one pass, no arrays.
      const weight = Math.exp(CHOICE_SHARPNESS * latentDot(taste, userRow, factors, product * LATENT_DIMS));
      total += weight;
      if (rng.next() * total < weight) chosen = product;
    }
    return chosen;
  }
}

export function leafProductCounts(catalogue: Catalogue, leaves: number): Int32Array {
  const counts = new Int32Array(leaves);
  for (let p = 0; p < catalogue.leafOf.length; p++) {
    const leaf = catalogue.leafOf[p] as number;
    counts[leaf] = (counts[leaf] as number) + 1;
  }
  return counts;
}

/** Index drawn proportionally to the increments of a cumulative array slice [from, to). */
function sampleCumulative(
  cumulative: Float64Array,
  from: number,
  to: number,
  u: number,
  map: Int32Array | null,
): number {
  const base = from > 0 ? (cumulative[from - 1] as number) : 0;
  // Within a leaf the cumulative sums restart, so the slice's base is 0 there.
  const offset = map ? 0 : base;
  const target = offset + u * ((cumulative[to - 1] as number) - offset);
  let lo = from;
  let hi = to - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return map ? (map[lo] as number) : lo;
}
