import type { PrismaClient } from '@recgraph/db';

export interface CategoryInfo {
  id: string;
  name: string;
  path: string;
  parentId: string | null;
}

/** The category tree at one moment: names for reasons, lineage for filters, boosts and diversity. */
export class CategoryTree {
  private readonly byId: Map<string, CategoryInfo>;
  private readonly lineageCache = new Map<string, string[]>();
  constructor(rows: readonly CategoryInfo[]) {
    this.byId = new Map(rows.map((c) => [c.id, c]));
  }
  get(id: string): CategoryInfo | undefined {
    return this.byId.get(id);
  }
  /** The category and its ancestors, itself first. */
  lineage(id: string | null): string[] {
    if (!id) return [];
    const hit = this.lineageCache.get(id);
    if (hit) return hit;
    const out: string[] = [];
    let cur = this.byId.get(id);
    // Bounded by the tree size so a cyclic parent chain cannot loop forever.
    for (let guard = 0; cur && guard <= this.byId.size; guard++) {
      out.push(cur.id);
      cur = cur.parentId ? this.byId.get(cur.parentId) : undefined;
    }
    this.lineageCache.set(id, out);
    return out;
  }
  /** Ids of `id` and every category below it (by materialised path). */
  descendantsOf(id: string): Set<string> {
    const root = this.byId.get(id);
    if (!root) return new Set();
    const out = new Set<string>();
    for (const c of this.byId.values()) if (c.path === root.path || c.path.startsWith(root.path + '/')) out.add(c.id);
    return out;
  }
}

/**
 * Categories change rarely (imports, admin edits) and are few, so the tree is
 * cached and refreshed after `ttlMs`, or at once when asked about an id it lacks.
 */
export class CategoryCache {
  private tree: CategoryTree | undefined;
  private loadedAt = 0;
  private loading: Promise<CategoryTree> | undefined;
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs = 60_000,
  ) {}

  async current(): Promise<CategoryTree> {
    if (this.tree && Date.now() - this.loadedAt < this.ttlMs) return this.tree;
    return this.reload();
  }

  /** The tree, reloaded first when `id` is not in it (a category created since). */
  async containing(id: string): Promise<CategoryTree> {
    const tree = await this.current();
    return tree.get(id) ? tree : this.reload();
  }

  private reload(): Promise<CategoryTree> {
    this.loading ??= (async () => {
      try {
        const rows = await this.prisma.category.findMany({
          select: { id: true, name: true, path: true, parentId: true },
        });
        this.tree = new CategoryTree(rows);
        this.loadedAt = Date.now();
        return this.tree;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
