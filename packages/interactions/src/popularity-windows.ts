/**
 * Popularity windows: each is a time-decay half-life, nothing else. Scores are
 * Σ weight · 2^(−age / halfLife) with no hard cut-off, so ranking by them does
 * not depend on the moment they are read (every score scales by the same
 * factor as time passes). That is what lets the updater's online table and a
 * query over the interaction log rank WEEK identically.
 */
export const POPULARITY_WINDOWS = ['DAY', 'WEEK', 'MONTH', 'ALL'] as const;
export type PopularityWindow = (typeof POPULARITY_WINDOWS)[number];

const DAY_S = 86_400;

export const POPULARITY_HALF_LIFE_S: Readonly<Record<PopularityWindow, number>> = Object.freeze({
  DAY: DAY_S / 2,
  WEEK: 3.5 * DAY_S,
  MONTH: 15 * DAY_S,
  ALL: 30 * DAY_S,
});

/** The window the streaming updater maintains online (product_popularity) and MIXED blends with. */
export const ONLINE_POPULARITY_WINDOW: PopularityWindow = 'WEEK';
