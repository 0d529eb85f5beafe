import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { z } from 'zod';
import { exportStoreFiles } from '../generator/export-files.ts';
import { generateStore, type GenerateOptions } from '../generator/index.ts';
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE } from '../generator/image.ts';
import { createProgress } from '../progress.ts';

/**
 * npm run generate:store -- --seed 42 --products 1000 --out data/store [--images]
 * Writes categories/products/users/interactions/reviews as JSON Lines (and PNG thumbnails with --images).
 */

const USAGE = `Usage: npm run generate:store -- --seed <int> --products <int> --out <dir> [options]

  --seed <int>                    seed; same seed and options give identical files (required)
  --products <int>                number of products (required)
  --out <dir>                     output directory (required)
  --users <int>                   number of users (default: products / 4)
  --interactions-per-user <num>   mean interactions per user (default: 30)
  --start <ISO date>              start of the interaction window (default: 2026-01-01T00:00:00Z)
  --days <int>                    length of the window in days (default: 90)
  --images                        also render images/<sku>.png
  --image-size <int>              image width and height in pixels (default: 128)
  --help                          show this help`;

const integer = (flag: string) =>
  z
    .string({ error: `--${flag} needs a value` })
    .regex(/^-?\d+$/, { error: `--${flag} must be a whole number` })
    .transform(Number)
    .refine(Number.isSafeInteger, { error: `--${flag} is too large` });

const FlagsSchema = z.object({
  seed: integer('seed'),
  products: integer('products').refine((n) => n >= 1, { error: '--products must be at least 1' }),
  out: z.string({ error: '--out <dir> is required' }).min(1, { error: '--out must not be empty' }),
  users: integer('users')
    .refine((n) => n >= 1, { error: '--users must be at least 1' })
    .optional(),
  'interactions-per-user': z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: '--interactions-per-user must be a non-negative number' })
    .transform(Number)
    .optional(),
  start: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), { error: '--start must be an ISO date such as 2026-01-01T00:00:00Z' })
    .transform((s) => new Date(s))
    .optional(),
  days: integer('days')
    .refine((n) => n >= 1, { error: '--days must be at least 1' })
    .optional(),
  images: z.boolean().default(false),
  'image-size': integer('image-size')
    .refine((n) => n >= MIN_IMAGE_SIZE && n <= MAX_IMAGE_SIZE, {
      error: `--image-size must be between ${MIN_IMAGE_SIZE} and ${MAX_IMAGE_SIZE}`,
    })
    .default(128),
});

export interface GenerateCommand {
  options: GenerateOptions;
  out: string;
  images: boolean;
  imageSize: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses and validates argv (without node and script); throws UsageError with every problem listed. */
export function parseGenerateArgs(argv: readonly string[]): GenerateCommand | 'help' {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        products: { type: 'string' },
        out: { type: 'string' },
        users: { type: 'string' },
        'interactions-per-user': { type: 'string' },
        start: { type: 'string' },
        days: { type: 'string' },
        images: { type: 'boolean' },
        'image-size': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values['help']) return 'help';
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  }
  const flags = parsed.data;
  const options: GenerateOptions = { seed: flags.seed, products: flags.products };
  if (flags.users !== undefined) options.users = flags.users;
  if (flags['interactions-per-user'] !== undefined) options.interactionsPerUser = flags['interactions-per-user'];
  if (flags.start !== undefined) options.start = flags.start;
  if (flags.days !== undefined) options.days = flags.days;
  return { options, out: resolve(flags.out), images: flags.images, imageSize: flags['image-size'] };
}

async function main(argv: readonly string[]): Promise<void> {
  const command = parseGenerateArgs(argv);
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Many small images render faster one per thread than each split across threads.
  sharp.concurrency(1);
  const started = performance.now();
  const store = generateStore(command.options);
  const generatedMs = performance.now() - started;
  process.stderr.write(
    `generated ${store.categories.length} categories, ${store.products.length} products, ${store.users.length} users in ${Math.round(generatedMs)} ms\n`,
  );

  const progress = createProgress();
  const summary = await exportStoreFiles(store, command.out, {
    images: command.images,
    imageSize: command.imageSize,
    onProgress: progress.update,
  });
  progress.stop();

  const rate = (count: number, ms: number | undefined) => (ms ? Math.round((count / ms) * 1000) : count);
  const t = summary.timings;
  process.stderr.write(
    [
      `wrote ${command.out}`,
      `  products      ${summary.products}  (${rate(summary.products, generatedMs)}/s generated)`,
      `  users         ${summary.users}`,
      `  interactions  ${summary.interactions}  (${rate(summary.interactions, t['interactions'])}/s generated and written)`,
      `  reviews       ${summary.reviews}`,
      command.images
        ? `  images        ${summary.images}  (${rate(summary.images, t['images'])}/s)`
        : '  images        skipped (pass --images)',
      `  total         ${Math.round(performance.now() - started)} ms`,
    ].join('\n') + '\n',
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError || (error instanceof Error && error.name === 'GenerateOptionsError')) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  });
}
