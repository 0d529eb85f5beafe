import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkTable, parseId, readTable } from './csv-table.ts';
import { splitMovieTitle } from './movielens.ts';
import { ReportBuilder } from './report.ts';

/** What MovieLens says about a movie besides ratings: the content a cold-start model may use. */
export interface MovieContent {
  title: string;
  year?: number;
  genres: string[];
  /** Lower-cased tag → how many users applied it. */
  tags: Map<string, number>;
}

/**
 * Reads movies.csv (and tags.csv when present) of an ml-latest(-small) folder into
 * content per movieId, read with the importer's own table reader and title rules, so
 * an evaluation sees exactly what an import writes as the products' content.
 */
export async function readMovieLensContent(dir: string): Promise<Map<string, MovieContent>> {
  const movies = { file: join(dir, 'movies.csv'), required: ['movieId', 'title', 'genres'] };
  const tagsFile = join(dir, 'tags.csv');
  const tags = existsSync(tagsFile)
    ? { file: tagsFile, required: ['userId', 'movieId', 'tag', 'timestamp'] }
    : undefined;
  for (const spec of [movies, ...(tags ? [tags] : [])]) await checkTable(spec);
  const report = new ReportBuilder('movielens');
  const out = new Map<string, MovieContent>();
  for await (const { row } of readTable(movies, report)) {
    const movieId = parseId(row.movieId);
    if (!movieId) continue;
    const { title, year } = splitMovieTitle(row.title ?? '');
    const genres = (row.genres ?? '')
      .split('|')
      .map((g) => g.trim())
      .filter((g) => g && g !== '(no genres listed)');
    out.set(movieId, { title, ...(year !== undefined ? { year } : {}), genres, tags: new Map() });
  }
  if (tags)
    for await (const { row } of readTable(tags, report)) {
      const movie = out.get(parseId(row.movieId) ?? '');
      const tag = row.tag?.trim().toLowerCase();
      if (movie && tag) movie.tags.set(tag, (movie.tags.get(tag) ?? 0) + 1);
    }
  return out;
}
