/**
 * Shopping intensity over the window: quiet at night, busy in the evening,
 * a little busier at weekends. Maps a uniform position in [0, 1] to a time so
 * that sorted uniform draws become sorted, realistically clustered times.
 */

const HOUR_MS = 3_600_000;

/** Relative traffic per UTC hour of day. */
const HOURLY = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.55, 0.75, 0.85, 0.9, 0.95, 1.05, 1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.5, 1.6,
  1.45, 1.0, 0.55,
];
/** Relative traffic per day of week, Sunday first (Date.getUTCDay). */
const DAILY = [1.2, 0.95, 0.92, 0.95, 1.0, 1.05, 1.25];

export class Timeline {
  readonly startMs: number;
  readonly endMs: number;
  /** cumulative[h] = share of the window's traffic before hour h. */
  private readonly cumulative: Float64Array;

  constructor(start: Date, days: number) {
    this.startMs = start.getTime();
    this.endMs = this.startMs + days * 24 * HOUR_MS;
    const hours = days * 24;
    this.cumulative = new Float64Array(hours + 1);
    for (let h = 0; h < hours; h++) {
      const at = new Date(this.startMs + h * HOUR_MS);
      const weight = (HOURLY[at.getUTCHours()] as number) * (DAILY[at.getUTCDay()] as number);
      this.cumulative[h + 1] = (this.cumulative[h] as number) + weight;
    }
    const total = this.cumulative[hours] as number;
    for (let h = 0; h <= hours; h++) this.cumulative[h] = (this.cumulative[h] as number) / total;
  }

  /** Monotone map from [0, 1] to [startMs, endMs]: binary search the hour, interpolate inside it. */
  at(position: number): number {
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((c[mid] as number) <= position) lo = mid;
      else hi = mid;
    }
    const from = c[lo] as number;
    const width = (c[hi] as number) - from;
    const within = width > 0 ? (position - from) / width : 0;
    return Math.min(this.endMs - 1, Math.floor(this.startMs + (lo + Math.min(1, Math.max(0, within))) * HOUR_MS));
  }
}
