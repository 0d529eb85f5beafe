import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGenerateArgs, UsageError } from '../src/cli/generate.ts';
import { exportStoreFiles } from '../src/generator/export-files.ts';
import { generateStore } from '../src/generator/index.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('generate:store flags', () => {
  it('parses a full command line', () => {
    const command = parseGenerateArgs([
      '--seed',
      '42',
      '--products',
      '1000',
      '--out',
      '/tmp/x',
      '--users',
      '50',
      '--interactions-per-user',
      '12.5',
      '--start',
      '2025-06-01T00:00:00Z',
      '--days',
      '30',
      '--images',
      '--image-size',
      '64',
    ]);
    expect(command).toEqual({
      options: {
        seed: 42,
        products: 1000,
        users: 50,
        interactionsPerUser: 12.5,
        start: new Date('2025-06-01T00:00:00Z'),
        days: 30,
      },
      out: '/tmp/x',
      images: true,
      imageSize: 64,
    });
    expect(parseGenerateArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--products', '10', '--out', 'x'], /--seed needs a value/],
    [['--seed', 'abc', '--products', '10', '--out', 'x'], /--seed must be a whole number/],
    [['--seed', '1', '--products', '0', '--out', 'x'], /--products must be at least 1/],
    [['--seed', '1', '--products', '10'], /--out <dir> is required/],
    [['--seed', '1', '--products', '10', '--out', 'x', '--start', 'yesterday'], /--start must be an ISO date/],
    [
      ['--seed', '1', '--products', '10', '--out', 'x', '--image-size', '4'],
      /--image-size must be between 16 and 2048/,
    ],
    [['--seed', '1', '--products', '10', '--out', 'x', '--colour', 'red'], /Unknown option '--colour'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseGenerateArgs(argv)).toThrow(UsageError);
    expect(() => parseGenerateArgs(argv)).toThrow(message);
  });
});

describe('exportStoreFiles', () => {
  it('writes JSON Lines files and images that round-trip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recgraph-gen-'));
    dirs.push(dir);
    const store = generateStore({ seed: 3, products: 40, users: 10 });
    const stages = new Set<string>();
    const summary = await exportStoreFiles(store, dir, {
      images: true,
      imageSize: 32,
      onProgress: (stage) => stages.add(stage),
    });
    expect((await readdir(dir)).sort()).toEqual([
      'categories.jsonl',
      'images',
      'interactions.jsonl',
      'products.jsonl',
      'reviews.jsonl',
      'users.jsonl',
    ]);
    const lines = async (name: string) =>
      (await readFile(join(dir, name), 'utf8'))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(await lines('products.jsonl')).toEqual(JSON.parse(JSON.stringify(store.products)));
    const interactions = await lines('interactions.jsonl');
    expect(interactions).toHaveLength(summary.interactions);
    expect(interactions[0]).toEqual(JSON.parse(JSON.stringify(store.interactions().next().value)));
    expect(await readdir(join(dir, 'images'))).toHaveLength(40);
    expect(summary).toMatchObject({ products: 40, users: 10, images: 40, reviews: store.reviews.length });
    expect([...stages]).toEqual(expect.arrayContaining(['products', 'interactions', 'images']));
  });
});
