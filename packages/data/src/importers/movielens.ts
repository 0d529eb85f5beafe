import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { ProgressCallback } from '../progress.ts';
import type { CategoryRecord, InteractionRecord, ProductRecord } from '../records.ts';
import {
  IdCache,
  insertInteractions,
  slugify,
  upsertCategories,
  upsertProducts,
  upsertUsers,
  type WriteTarget,
} from '../write/index.ts';
import { checkTable, parseEpoch, parseId, readTable, type TableSpec } from './csv-table.ts';
import { ReportBuilder, UnusableInputError, type ImportReport } from './report.ts';

export interface MovieLensImportOptions {
  /** Folder in the ml-latest(-small) layout: movies.csv, ratings.csv and optionally tags.csv. */
  dir: string;
  batchSize?: number;
  maxExamples?: number;
  onProgress?: ProgressCallback;
}

export const MOVIELENS_SOURCE = 'movielens';
export const MOVIES_ROOT: CategoryRecord = { slug: 'movies', name: 'Movies' };
/**
 * Movies are priced at 0: MovieLens has no prices and inventing one would
 * look like real data. Price-based features simply treat the catalog as flat.
 */
export const MOVIE_PRICE_CENTS = 0;
const NO_GENRES = '(no genres listed)';
const VALID_RATING = (r: number) => r >= 0.5 && r <= 5 && Number.isInteger(r * 2);

export const movieSku = (movieId: string) => `ml-${movieId}`;
export const movieUserId = (userId: string) => `ml-${userId}`;
export const ratingEventId = (userId: string, movieId: string) => `ml:rating:${userId}:${movieId}`;

/** "Toy Story (1995)" → title "Toy Story", year 1995; a title without a year is kept whole. */
export function splitMovieTitle(raw: string): { title: string; year?: number } {
  const m = /^(.*?)\s*\((\d{4})(?:[–-]\d{4})?\)\s*$/.exec(raw);
  if (!m || !m[1]) return { title: raw.trim() };
  return { title: m[1].trim(), year: Number(m[2]) };
}

interface TagAggregate {
  firstLine: number;
  /** Lower-cased tag → first spelling seen, with how many users applied it. */
  tags: Map<string, { text: string; count: number }>;
}

/**
 * Imports MovieLens: movies → products (sku ml-<movieId>, first genre as a
 * category under "movies", year/genres/tags as attributes), users →
 * ml-<userId>, ratings → RATE interactions (eventId ml:rating:<user>:<movie>).
 *
 * Tags become the product attribute `tags` (distinct, most used first) rather
 * than interactions: a free-text tag is not a signal of one of our
 * interaction types, and as product text it helps search and content
 * similarity. Tag rows for movies missing from movies.csv are reported.
 */
export async function importMovieLens(db: WriteTarget, options: MovieLensImportOptions): Promise<ImportReport> {
  if (!existsSync(options.dir)) throw new UnusableInputError(`MovieLens folder ${options.dir} does not exist`);
  const movies: TableSpec = { file: join(options.dir, 'movies.csv'), required: ['movieId', 'title', 'genres'] };
  const ratings: TableSpec = {
    file: join(options.dir, 'ratings.csv'),
    required: ['userId', 'movieId', 'rating', 'timestamp'],
  };
  const tagsFile = join(options.dir, 'tags.csv');
  const tags: TableSpec | undefined = existsSync(tagsFile)
    ? { file: tagsFile, required: ['userId', 'movieId', 'tag', 'timestamp'] }
    : undefined;
  for (const spec of [movies, ratings, ...(tags ? [tags] : [])]) await checkTable(spec);

  const report = new ReportBuilder('movielens', options.maxExamples);
  if (!tags) report.note('tags.csv not found: movies get no tags');
  const batchSize = options.batchSize ?? 2000;
  const progress = options.onProgress;

  // 1. Tags first, aggregated per movie, so each movie is written once, complete.
  const tagsByMovie = new Map<string, TagAggregate>();
  const taggers = new Set<string>();
  if (tags) {
    for await (const { line, row } of readTable(tags, report)) {
      const userId = parseId(row.userId);
      const movieId = parseId(row.movieId);
      const tag = row.tag?.trim();
      const problem = !userId
        ? `userId ${JSON.stringify(row.userId)} is not a numeric id`
        : !movieId
          ? `movieId ${JSON.stringify(row.movieId)} is not a numeric id`
          : !tag
            ? 'tag is empty'
            : !parseEpoch(row.timestamp, 's')
              ? `timestamp ${JSON.stringify(row.timestamp)} is not epoch seconds`
              : undefined;
      if (problem) {
        report.malformed('tags.csv', line, problem);
        continue;
      }
      const agg = tagsByMovie.get(movieId!) ?? { firstLine: line, tags: new Map() };
      tagsByMovie.set(movieId!, agg);
      const key = tag!.toLowerCase();
      const t = agg.tags.get(key);
      if (t) t.count++;
      else agg.tags.set(key, { text: tag!, count: 1 });
      taggers.add(userId!);
    }
  }

  // 2. Movies → categories + products.
  await upsertCategories(db, [MOVIES_ROOT]).then((c) => report.wrote('categories', c));
  const knownGenres = new Set<string>();
  const movieIds = new Set<string>();
  let products: { line: number; record: ProductRecord; genre?: CategoryRecord }[] = [];
  const flushMovies = async () => {
    const fresh = new Map<string, CategoryRecord>();
    for (const p of products) if (p.genre && !knownGenres.has(p.genre.slug)) fresh.set(p.genre.slug, p.genre);
    if (fresh.size) report.wrote('categories', await upsertCategories(db, [...fresh.values()]));
    for (const slug of fresh.keys()) knownGenres.add(slug);
    if (products.length)
      report.wrote(
        'products',
        await upsertProducts(
          db,
          products.map((p) => p.record),
        ),
      );
    products = [];
    progress?.('movies', movieIds.size, undefined);
  };
  for await (const { line, row } of readTable(movies, report)) {
    const movieId = parseId(row.movieId);
    const rawTitle = row.title ?? '';
    if (!movieId) {
      report.malformed('movies.csv', line, `movieId ${JSON.stringify(row.movieId)} is not a numeric id`);
      continue;
    }
    const { title, year } = splitMovieTitle(rawTitle);
    if (!title) {
      report.malformed('movies.csv', line, 'title is empty');
      continue;
    }
    if (movieIds.has(movieId)) report.duplicate();
    movieIds.add(movieId);
    const genres = (row.genres ?? '')
      .split('|')
      .map((g) => g.trim())
      .filter((g) => g && g !== NO_GENRES);
    const tagList = [...(tagsByMovie.get(movieId)?.tags.values() ?? [])]
      .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text))
      .map((t) => t.text);
    const genre = genres[0]
      ? { slug: `movies/${slugify(genres[0])}`, name: genres[0], parentSlug: MOVIES_ROOT.slug }
      : undefined;
    const attributes: ProductRecord['attributes'] = { genres, movieId: Number(movieId) };
    if (year !== undefined) attributes.year = year;
    if (tagList.length) attributes.tags = tagList;
    products.push({
      line,
      genre,
      record: {
        sku: movieSku(movieId),
        title,
        description: [genres.join(', '), tagList.length ? `Tagged: ${tagList.slice(0, 12).join(', ')}` : '']
          .filter(Boolean)
          .join('. '),
        categorySlug: genre?.slug ?? MOVIES_ROOT.slug,
        priceCents: MOVIE_PRICE_CENTS,
        currency: 'USD',
        attributes,
        availability: 'IN_STOCK',
        stock: 0,
        source: MOVIELENS_SOURCE,
      },
    });
    if (products.length >= batchSize) await flushMovies();
  }
  await flushMovies();
  for (const [movieId, agg] of tagsByMovie) {
    if (!movieIds.has(movieId)) report.malformed('tags.csv', agg.firstLine, `movieId ${movieId} is not in movies.csv`);
  }

  // 3. Ratings → users + RATE interactions, batch by batch.
  const cache = new IdCache();
  const users = new Set<string>();
  let newUsers: string[] = [];
  let events: InteractionRecord[] = [];
  let lines: number[] = [];
  let ratingsRead = 0;
  const flushRatings = async () => {
    if (newUsers.length)
      report.wrote(
        'users',
        await upsertUsers(
          db,
          newUsers.map((u) => ({ externalId: movieUserId(u) })),
        ),
      );
    newUsers = [];
    if (events.length) {
      const res = await insertInteractions(db, events, cache);
      report.wrote('interactions', { inserted: res.inserted, unchanged: res.skipped });
      for (const r of res.rejected) report.malformed('ratings.csv', lines[r.index]!, r.reason);
    }
    events = [];
    lines = [];
    progress?.('ratings', ratingsRead, undefined);
  };
  for await (const { line, row } of readTable(ratings, report)) {
    ratingsRead++;
    const userId = parseId(row.userId);
    const movieId = parseId(row.movieId);
    const rating = row.rating !== undefined && /^\d+(\.\d+)?$/.test(row.rating) ? Number(row.rating) : NaN;
    const at = parseEpoch(row.timestamp, 's');
    const problem = !userId
      ? `userId ${JSON.stringify(row.userId)} is not a numeric id`
      : !movieId
        ? `movieId ${JSON.stringify(row.movieId)} is not a numeric id`
        : !movieIds.has(movieId)
          ? `movieId ${movieId} is not in movies.csv`
          : !VALID_RATING(rating)
            ? `rating ${JSON.stringify(row.rating)} is not 0.5..5 in steps of 0.5`
            : !at
              ? `timestamp ${JSON.stringify(row.timestamp)} is not epoch seconds`
              : undefined;
    if (problem) {
      report.malformed('ratings.csv', line, problem);
      continue;
    }
    // A repeated (user, movie) pair has the same eventId: the writer skips it and counts it as unchanged.
    const eventId = ratingEventId(userId!, movieId!);
    if (!users.has(userId!)) {
      users.add(userId!);
      newUsers.push(userId!);
    }
    events.push({
      eventId,
      userExternalId: movieUserId(userId!),
      sku: movieSku(movieId!),
      type: 'RATE',
      value: rating,
      occurredAt: at!,
      source: MOVIELENS_SOURCE,
    });
    lines.push(line);
    if (events.length >= batchSize) await flushRatings();
  }
  // Users who only tagged are users too.
  for (const u of taggers) {
    if (!users.has(u)) {
      users.add(u);
      newUsers.push(u);
    }
  }
  await flushRatings();
  return report.finish();
}
