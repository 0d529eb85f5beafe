import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { importMovieLens, splitMovieTitle } from '../src/importers/movielens.ts';
import { forEachBackend } from './fixtures/backends.ts';

const dir = join(import.meta.dirname, 'fixtures', 'movielens');

it('splits the year off MovieLens titles', () => {
  expect(splitMovieTitle('Toy Story (1995)')).toEqual({ title: 'Toy Story', year: 1995 });
  expect(splitMovieTitle('Babylon 5 (1994–1998)')).toEqual({ title: 'Babylon 5', year: 1994 });
  expect(splitMovieTitle('Untitled Project')).toEqual({ title: 'Untitled Project' });
});

await forEachBackend('MovieLens import', (open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('imports movies, users and ratings, reporting every bad row by file and line', async () => {
    const report = await importMovieLens(db, { dir });
    expect(report.rowsRead).toEqual({ 'tags.csv': 6, 'movies.csv': 7, 'ratings.csv': 10 });
    expect(report.malformed.examples.map((m) => [m.file, m.line, m.reason])).toEqual([
      ['movies.csv', 5, 'broken quoting: a closing quote is followed by other characters'],
      ['movies.csv', 7, 'movieId "x7" is not a numeric id'],
      ['ratings.csv', 5, 'rating "6.0" is not 0.5..5 in steps of 0.5'],
      ['ratings.csv', 6, 'userId "abc" is not a numeric id'],
      ['ratings.csv', 7, 'movieId 99 is not in movies.csv'],
      ['ratings.csv', 10, 'expected 4 columns, found 3'],
      ['tags.csv', 5, 'movieId 42 is not in movies.csv'],
      ['tags.csv', 6, 'tag is empty'],
    ]);
    expect(report.written.products).toEqual({ inserted: 5, updated: 0, unchanged: 0 });
    expect(report.written.users).toEqual({ inserted: 5, updated: 0, unchanged: 0 });
    // (3,3) appears twice: one row, the replay counted as unchanged.
    expect(report.written.interactions).toEqual({ inserted: 5, updated: 0, unchanged: 1 });

    const toy = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'ml-1' }, include: { category: true } });
    expect(toy).toMatchObject({ title: 'Toy Story', priceCents: 0, source: 'movielens' });
    expect(toy.attributes).toEqual({
      movieId: 1,
      year: 1995,
      genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
      tags: ['pixar', 'fun'],
    });
    expect([toy.category?.slug, toy.category?.path, toy.category?.depth]).toEqual([
      'movies/adventure',
      'movies/adventure',
      1,
    ]);
    const president = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'ml-2' } });
    expect(president.title).toBe('American President, The');
    const untitled = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'ml-5' }, include: { category: true } });
    expect([untitled.category?.slug, untitled.attributes]).toEqual(['movies', { movieId: 5, genres: [] }]);
    expect(await db.prisma.product.count({ where: { sku: { in: ['ml-4', 'ml-7'] } } })).toBe(0);

    const rating = await db.prisma.interaction.findFirstOrThrow({
      where: { eventId: 'ml:rating:2:1' },
      include: { user: true, product: true },
    });
    expect([
      rating.type,
      rating.value,
      rating.user.externalId,
      rating.product.sku,
      rating.occurredAt.toISOString(),
    ]).toEqual(['RATE', 3.5, 'ml-2', 'ml-1', new Date(964982224 * 1000).toISOString()]);
    expect(
      await db.prisma.interaction.count({
        where: { eventId: { in: ['ml:rating:2:3', 'ml:rating:3:99', 'ml:rating:3:5'] } },
      }),
    ).toBe(0);
    expect((await db.prisma.user.findMany({ orderBy: { externalId: 'asc' } })).map((u) => u.externalId)).toEqual([
      'ml-1',
      'ml-2',
      'ml-3',
      'ml-4',
      'ml-5',
    ]);
  });

  it('re-runs idempotently', async () => {
    const again = await importMovieLens(db, { dir });
    expect(again.written.products).toEqual({ inserted: 0, updated: 0, unchanged: 5 });
    expect(again.written.users).toEqual({ inserted: 0, updated: 0, unchanged: 5 });
    expect(again.written.interactions).toEqual({ inserted: 0, updated: 0, unchanged: 6 });
    expect(again.malformed.count).toBe(8);
    expect(await db.prisma.interaction.count()).toBe(5);
  });
});
