import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { ProgressCallback } from '../progress.ts';
import type { CategoryRecord } from '../records.ts';
import { upsertCategories, upsertProducts, type WriteTarget } from '../write/index.ts';
import {
  CATALOG_PRESETS,
  FIELD_ALIASES,
  CATALOG_FIELDS,
  rowToDraft,
  type CatalogDraft,
  type CatalogPreset,
  type ColumnMapping,
  type RawRow,
  type RowContext,
} from './catalog-row.ts';
import { readCsv } from './csv-lines.ts';
import { copyValidatedImage, mapLimit, resolveInside } from './images.ts';
import { ReportBuilder, UnusableInputError, type ImportReport } from './report.ts';

export interface CatalogImportOptions {
  /** A .csv or .jsonl/.ndjson file. */
  file: string;
  /** Folder the image column is relative to; defaults to the catalog file's folder. */
  imagesDir?: string;
  /**
   * Where validated images are copied as `<sku>.<ext>` (served as /images/<file>).
   * Without it images are neither checked nor linked, and the report says so.
   */
  imagesOutDir?: string;
  /** A named dataset layout (see CATALOG_PRESETS); picked automatically when the header matches one. */
  preset?: string;
  /** Field → column; overrides the preset's and the recognised names. */
  columns?: ColumnMapping;
  /** Recorded in products.source; default "csv:<file name>" / "jsonl:<file name>". */
  source?: string;
  currency?: string;
  batchSize?: number;
  maxExamples?: number;
  onProgress?: ProgressCallback;
}

const KNOWN_CATEGORIES_LIMIT = 100_000;

/**
 * Imports a product catalog. Rows stream in and are written in batches; a
 * row that fails validation (or whose image does not decode) is reported with
 * its line number and writes nothing, not even its categories.
 */
export async function importCatalog(db: WriteTarget, options: CatalogImportOptions): Promise<ImportReport> {
  const { file } = options;
  if (!existsSync(file) || !statSync(file).isFile())
    throw new UnusableInputError(`catalog file ${file} does not exist`);
  const ext = extname(file).toLowerCase();
  const kind = ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : undefined;
  if (!kind) throw new UnusableInputError(`catalog file ${file} must end in .csv, .jsonl or .ndjson`);
  if (options.preset && !CATALOG_PRESETS[options.preset]) {
    throw new UnusableInputError(`unknown preset ${options.preset}; known: ${Object.keys(CATALOG_PRESETS).join(', ')}`);
  }
  const imagesDir = options.imagesDir ?? dirname(file);
  if (options.imagesDir && !existsSync(options.imagesDir))
    throw new UnusableInputError(`images folder ${options.imagesDir} does not exist`);

  const name = basename(file);
  const report = new ReportBuilder(`catalog ${name}`, options.maxExamples);
  const batchSize = options.batchSize ?? 500;
  const knownCategories = new Set<string>();
  const seenSkus = new Set<string>();
  let read = 0;
  let batch: CatalogDraft[] = [];
  let imagesIgnored = false;

  const flush = async () => {
    const drafts = batch;
    batch = [];
    if (drafts.length === 0) return;
    const ready = await attachImages(drafts);
    await writeCategories(ready.flatMap((d) => d.categories));
    const counts = await upsertProducts(
      db,
      ready.map((d) => d.product),
    );
    report.wrote('products', counts);
    options.onProgress?.('catalog', read, undefined);
  };

  const attachImages = async (drafts: CatalogDraft[]): Promise<CatalogDraft[]> => {
    if (!options.imagesOutDir) {
      imagesIgnored ||= drafts.some((d) => d.image);
      return drafts;
    }
    const out = options.imagesOutDir;
    const results = await mapLimit(drafts, 4, async (d) => {
      if (!d.image) return d;
      const source = resolveInside(imagesDir, d.image);
      if (!source) return `image ${JSON.stringify(d.image)} is outside the images folder`;
      const r = await copyValidatedImage(source, d.product.sku, out);
      if (!r.ok) return r.reason;
      if (r.copied) report.wrote('images', { inserted: 1 });
      else report.wrote('images', { unchanged: 1 });
      d.product.imageUrl = `/images/${r.fileName}`;
      return d;
    });
    return results.flatMap((r, i) => {
      if (typeof r !== 'string') return [r];
      report.malformed(name, drafts[i]!.line, r);
      return [];
    });
  };

  // Only categories not stored yet are written: an import must not rename a category someone curated.
  const writeCategories = async (chain: CategoryRecord[]) => {
    const fresh = new Map<string, CategoryRecord>();
    for (const c of chain) if (!knownCategories.has(c.slug)) fresh.set(c.slug, c);
    if (fresh.size === 0) return;
    const stored = await db.pool.query<{ slug: string }>('SELECT slug FROM categories WHERE slug = ANY($1::text[])', [
      [...fresh.keys()],
    ]);
    for (const r of stored.rows) fresh.delete(r.slug);
    if (fresh.size) report.wrote('categories', await upsertCategories(db, [...fresh.values()]));
    if (knownCategories.size > KNOWN_CATEGORIES_LIMIT) knownCategories.clear();
    for (const c of chain) knownCategories.add(c.slug);
  };

  const accept = async (line: number, row: RawRow, ctx: RowContext) => {
    read++;
    report.read(name);
    const draft = rowToDraft(row, ctx);
    if (typeof draft === 'string') {
      report.malformed(name, line, draft);
      return;
    }
    if (seenSkus.has(draft.product.sku)) report.duplicate();
    seenSkus.add(draft.product.sku);
    batch.push({ line, ...draft });
    if (batch.length >= batchSize) await flush();
  };

  const baseCtx = {
    source: options.source ?? `${kind}:${name}`,
    defaultCurrency: (options.currency ?? 'USD').toUpperCase(),
  };

  if (kind === 'csv') {
    let ctx: RowContext | undefined;
    let header: string[] = [];
    for await (const item of readCsv(file)) {
      if (!ctx) {
        if ('error' in item) throw new UnusableInputError(`${name}: the header line cannot be read (${item.error})`);
        header = item.fields.map((h) => h.trim());
        ctx = csvContext(header, options, baseCtx, name);
        if (ctx.preset) report.note(`layout: preset ${ctx.preset.name}`);
        continue;
      }
      if ('error' in item) {
        read++;
        report.read(name);
        report.malformed(name, item.line, item.error);
        continue;
      }
      if (item.fields.length !== header.length) {
        read++;
        report.read(name);
        report.malformed(name, item.line, `expected ${header.length} columns, found ${item.fields.length}`);
        continue;
      }
      const row: RawRow = {};
      header.forEach((h, i) => (row[h] = item.fields[i]));
      await accept(item.line, row, ctx);
    }
    if (!ctx) throw new UnusableInputError(`${name} is empty: expected a header line`);
  } else {
    const preset = options.preset ? CATALOG_PRESETS[options.preset] : undefined;
    const mapping = { ...aliasMapping(undefined), ...preset?.columns, ...options.columns } as RowContext['mapping'];
    const ctx: RowContext = { ...baseCtx, mapping, extraColumns: [], preset };
    const input = createReadStream(file, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNo = 0;
    try {
      for await (const text of lines) {
        lineNo++;
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          read++;
          report.read(name);
          report.malformed(name, lineNo, `not valid JSON (${(err as Error).message})`);
          continue;
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          read++;
          report.read(name);
          report.malformed(name, lineNo, 'a line must hold one JSON object');
          continue;
        }
        await accept(lineNo, value as RawRow, ctx);
      }
    } finally {
      lines.close();
      input.destroy();
    }
  }
  await flush();
  if (imagesIgnored) report.note('images were not imported: no output folder for images was given');
  options.onProgress?.('catalog', read, read);
  return report.finish();
}

/** Maps every field to the first recognised column name present (or to its own name for JSON Lines). */
function aliasMapping(header: readonly string[] | undefined): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const field of CATALOG_FIELDS) {
    const found = header ? FIELD_ALIASES[field].find((a) => header.includes(a)) : undefined;
    if (found) mapping[field] = found;
    else if (!header) mapping[field] = field;
  }
  return mapping;
}

function csvContext(
  header: string[],
  options: CatalogImportOptions,
  base: Pick<RowContext, 'source' | 'defaultCurrency'>,
  name: string,
): RowContext {
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  if (dupes.length)
    throw new UnusableInputError(`${name}: the header repeats column(s) ${[...new Set(dupes)].join(', ')}`);
  const detected: CatalogPreset | undefined = options.preset
    ? CATALOG_PRESETS[options.preset]
    : Object.values(CATALOG_PRESETS).find(
        (p) => p.header.length === header.length && p.header.every((h, i) => header[i] === h),
      );
  const mapping = {
    ...(detected ? {} : aliasMapping(header)),
    ...detected?.columns,
    ...options.columns,
  } as ColumnMapping;
  const missingCols = Object.entries(mapping).filter(([, col]) => col && !header.includes(col));
  if (missingCols.length) {
    throw new UnusableInputError(
      `${name}: column(s) ${missingCols.map(([, c]) => c).join(', ')} named by the mapping are not in the header (${header.join(',')})`,
    );
  }
  const problems: string[] = [];
  if (!mapping.sku) problems.push('a sku column (sku, product_id or id)');
  if (!mapping.title) problems.push('a title column (title or name)');
  if (!mapping.price && !mapping.price_cents) problems.push('a price or price_cents column');
  if (problems.length)
    throw new UnusableInputError(`${name}: wrong header "${header.join(',')}": expected ${problems.join(', ')}`);
  const used = new Set<string>([
    ...Object.values(mapping).filter((c): c is string => !!c),
    ...(detected?.consumed ?? []),
  ]);
  return {
    ...base,
    mapping: mapping as RowContext['mapping'],
    extraColumns: header.filter((h) => h !== '' && !used.has(h)),
    preset: detected,
  };
}
