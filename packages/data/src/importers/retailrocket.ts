import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressCallback } from '../progress.ts';
import type {
  AvailabilityValue,
  CategoryRecord,
  InteractionRecord,
  InteractionTypeValue,
  ProductRecord,
} from '../records.ts';
import {
  IdCache,
  insertInteractions,
  upsertCategories,
  upsertProducts,
  upsertUsers,
  type WriteTarget,
} from '../write/index.ts';
import { checkTable, parseEpoch, parseId, readTable, type TableSpec } from './csv-table.ts';
import { ReportBuilder, UnusableInputError, type ImportReport } from './report.ts';

export interface RetailRocketImportOptions {
  /** Folder with events.csv and optionally item_properties_part*.csv and category_tree.csv (the Kaggle layout). */
  dir: string;
  batchSize?: number;
  maxExamples?: number;
  onProgress?: ProgressCallback;
}

export const RETAILROCKET_SOURCE = 'retailrocket';
export const rrSku = (itemId: string) => `rr-${itemId}`;
export const rrUser = (visitorId: string) => `rr-${visitorId}`;
export const rrCategory = (categoryId: string) => `rr-${categoryId}`;
/** Deterministic: the same source row always maps to the same id, so replays are skipped. */
export const rrEventId = (event: string, visitorId: string, itemId: string, timestampMs: string) =>
  `rr:${event}:${visitorId}:${itemId}:${timestampMs}`;

const EVENT_TYPES: Record<string, InteractionTypeValue> = {
  view: 'VIEW',
  addtocart: 'ADD_TO_CART',
  transaction: 'PURCHASE',
};
const PROPERTY_FILES = ['item_properties_part1.csv', 'item_properties_part2.csv', 'item_properties.csv'];

interface ItemState {
  categoryId?: string;
  categoryAt?: number;
  available?: boolean;
  availableAt?: number;
}

/**
 * Imports the RetailRocket e-commerce dataset. Items get the category and
 * availability of their latest property rows (other properties are hashed
 * in the dataset and are ignored). Items have no readable title or price, so
 * products are "Item <id>" at price 0; events for items without properties
 * still create the product, so no event is dropped.
 */
export async function importRetailRocket(db: WriteTarget, options: RetailRocketImportOptions): Promise<ImportReport> {
  if (!existsSync(options.dir)) throw new UnusableInputError(`RetailRocket folder ${options.dir} does not exist`);
  const events: TableSpec = {
    file: join(options.dir, 'events.csv'),
    required: ['timestamp', 'visitorid', 'event', 'itemid', 'transactionid'],
  };
  const tree: TableSpec = { file: join(options.dir, 'category_tree.csv'), required: ['categoryid', 'parentid'] };
  const properties: TableSpec[] = PROPERTY_FILES.map((f) => join(options.dir, f))
    .filter((f) => existsSync(f))
    .map((file) => ({ file, required: ['timestamp', 'itemid', 'property', 'value'] }));
  const hasTree = existsSync(tree.file);
  for (const spec of [events, ...(hasTree ? [tree] : []), ...properties]) await checkTable(spec);

  const report = new ReportBuilder('retailrocket', options.maxExamples);
  if (!hasTree) report.note('category_tree.csv not found: products get no category');
  if (properties.length === 0) report.note('no item_properties files: products get no category or availability');
  const batchSize = options.batchSize ?? 2000;
  const progress = options.onProgress;

  // 1. The category tree, parents before children. It is small (1,669 rows in the full dataset), so it is read whole.
  const categories = hasTree ? await readCategoryTree(tree, report) : [];
  for (let i = 0; i < categories.length; i += batchSize) {
    report.wrote('categories', await upsertCategories(db, categories.slice(i, i + batchSize)));
  }
  const categorySet = new Set(categories.map((c) => c.slug));

  // 2. Item properties → latest category and availability per item.
  const items = new Map<string, ItemState>();
  let ignoredProperties = 0;
  for (const spec of properties) {
    const name = spec.file.split(/[\\/]/).pop()!;
    let n = 0;
    for await (const { line, row } of readTable(spec, report)) {
      const at = parseEpoch(row.timestamp, 'ms');
      const itemId = parseId(row.itemid);
      const property = row.property;
      const problem = !at
        ? `timestamp ${JSON.stringify(row.timestamp)} is not epoch milliseconds`
        : !itemId
          ? `itemid ${JSON.stringify(row.itemid)} is not a numeric id`
          : !property
            ? 'property is empty'
            : property === 'categoryid' && !parseId(row.value)
              ? `categoryid value ${JSON.stringify(row.value)} is not a numeric id`
              : property === 'available' && row.value !== '0' && row.value !== '1'
                ? `available value ${JSON.stringify(row.value)} is not 0 or 1`
                : undefined;
      if (problem) {
        report.malformed(name, line, problem);
        continue;
      }
      const state = items.get(itemId!) ?? {};
      items.set(itemId!, state);
      const t = at!.getTime();
      if (property === 'categoryid' && t >= (state.categoryAt ?? -Infinity)) {
        state.categoryId = parseId(row.value);
        state.categoryAt = t;
      } else if (property === 'available' && t >= (state.availableAt ?? -Infinity)) {
        state.available = row.value === '1';
        state.availableAt = t;
      } else if (property !== 'categoryid' && property !== 'available') ignoredProperties++;
      if (++n % 100_000 === 0) progress?.(`properties ${name}`, n, undefined);
    }
  }
  if (ignoredProperties)
    report.note(
      `${ignoredProperties} property rows other than categoryid/available ignored (their values are hashed in the dataset)`,
    );

  let uncategorised = 0;
  const itemProduct = (itemId: string, state: ItemState | undefined): ProductRecord => {
    const slug = state?.categoryId ? rrCategory(state.categoryId) : undefined;
    if (slug && !categorySet.has(slug)) uncategorised++;
    const availability: AvailabilityValue = state?.available === false ? 'OUT_OF_STOCK' : 'IN_STOCK';
    return {
      sku: rrSku(itemId),
      title: `Item ${itemId}`,
      description: '',
      categorySlug: slug && categorySet.has(slug) ? slug : undefined,
      priceCents: 0,
      currency: 'USD',
      attributes: { itemId: Number(itemId), ...(state?.categoryId ? { categoryId: Number(state.categoryId) } : {}) },
      availability,
      stock: 0,
      source: RETAILROCKET_SOURCE,
    };
  };
  const itemIds = [...items.keys()];
  for (let i = 0; i < itemIds.length; i += batchSize) {
    const chunk = itemIds.slice(i, i + batchSize);
    report.wrote(
      'products',
      await upsertProducts(
        db,
        chunk.map((id) => itemProduct(id, items.get(id))),
      ),
    );
    progress?.('items', Math.min(i + batchSize, itemIds.length), itemIds.length);
  }
  if (uncategorised)
    report.note(`${uncategorised} items name a category missing from category_tree.csv: left without category`);

  // 3. Events → users, interactions (and bare products for items never described).
  const cache = new IdCache();
  const visitors = new Set<string>();
  const knownItems = new Set(itemIds);
  items.clear();
  let newVisitors: string[] = [];
  let newItems: string[] = [];
  let batch: InteractionRecord[] = [];
  let lines: number[] = [];
  let read = 0;
  const flush = async () => {
    if (newItems.length)
      report.wrote(
        'products',
        await upsertProducts(
          db,
          newItems.map((id) => itemProduct(id, undefined)),
          { onExisting: 'keep' },
        ),
      );
    if (newVisitors.length)
      report.wrote(
        'users',
        await upsertUsers(
          db,
          newVisitors.map((v) => ({ externalId: rrUser(v) })),
        ),
      );
    if (batch.length) {
      const res = await insertInteractions(db, batch, cache);
      report.wrote('interactions', { inserted: res.inserted, unchanged: res.skipped });
      for (const r of res.rejected) report.malformed('events.csv', lines[r.index]!, r.reason);
    }
    newItems = [];
    newVisitors = [];
    batch = [];
    lines = [];
    progress?.('events', read, undefined);
  };
  for await (const { line, row } of readTable(events, report)) {
    read++;
    const at = parseEpoch(row.timestamp, 'ms');
    const visitorId = parseId(row.visitorid);
    const itemId = parseId(row.itemid);
    const type = row.event ? EVENT_TYPES[row.event] : undefined;
    const problem = !at
      ? `timestamp ${JSON.stringify(row.timestamp)} is not epoch milliseconds`
      : !visitorId
        ? `visitorid ${JSON.stringify(row.visitorid)} is not a numeric id`
        : !type
          ? `event ${JSON.stringify(row.event)} is not view, addtocart or transaction`
          : !itemId
            ? `itemid ${JSON.stringify(row.itemid)} is not a numeric id`
            : type === 'PURCHASE' && !parseId(row.transactionid)
              ? 'a transaction event has no numeric transactionid'
              : undefined;
    if (problem) {
      report.malformed('events.csv', line, problem);
      continue;
    }
    if (!visitors.has(visitorId!)) {
      visitors.add(visitorId!);
      newVisitors.push(visitorId!);
    }
    if (!knownItems.has(itemId!)) {
      knownItems.add(itemId!);
      newItems.push(itemId!);
    }
    batch.push({
      eventId: rrEventId(row.event!, visitorId!, itemId!, row.timestamp!),
      userExternalId: rrUser(visitorId!),
      sku: rrSku(itemId!),
      type: type!,
      value: 1,
      occurredAt: at!,
      source: RETAILROCKET_SOURCE,
    });
    lines.push(line);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report.finish();
}

/** Reads the tree, reporting bad ids, unknown parents and cycles, and returns it parents first. */
async function readCategoryTree(spec: TableSpec, report: ReportBuilder): Promise<CategoryRecord[]> {
  const parentOf = new Map<string, { parent: string | undefined; line: number }>();
  for await (const { line, row } of readTable(spec, report)) {
    const id = parseId(row.categoryid);
    const parent = row.parentid === '' ? undefined : parseId(row.parentid);
    if (!id)
      report.malformed('category_tree.csv', line, `categoryid ${JSON.stringify(row.categoryid)} is not a numeric id`);
    else if (row.parentid !== '' && !parent)
      report.malformed(
        'category_tree.csv',
        line,
        `parentid ${JSON.stringify(row.parentid)} is not a numeric id or empty`,
      );
    else if (parent === id) report.malformed('category_tree.csv', line, 'a category cannot be its own parent');
    else {
      if (parentOf.has(id)) report.duplicate();
      parentOf.set(id, { parent, line });
    }
  }
  // Depth by walking up; a chain that reaches an unknown id or itself is rejected along with its descendants.
  const depth = new Map<string, number | null>();
  const walk = (id: string, seen: Set<string>): number | null => {
    if (depth.has(id)) return depth.get(id)!;
    const node = parentOf.get(id);
    if (!node) return null;
    if (seen.has(id)) {
      depth.set(id, null);
      return null;
    }
    seen.add(id);
    const d = node.parent === undefined ? 0 : walk(node.parent, seen);
    const result = d === null ? null : d + 1 - (node.parent === undefined ? 1 : 0);
    depth.set(id, result);
    return result;
  };
  const out: { record: CategoryRecord; depth: number }[] = [];
  for (const [id, node] of parentOf) {
    const d = walk(id, new Set());
    if (d === null) {
      const reason =
        node.parent && !parentOf.has(node.parent)
          ? `parent ${node.parent} is not in the tree`
          : 'its parent chain is a cycle or reaches a rejected category';
      report.malformed('category_tree.csv', node.line, reason);
      continue;
    }
    out.push({
      depth: d,
      record: {
        slug: rrCategory(id),
        name: `Category ${id}`,
        ...(node.parent ? { parentSlug: rrCategory(node.parent) } : {}),
      },
    });
  }
  return out.sort((a, b) => a.depth - b.depth).map((x) => x.record);
}
