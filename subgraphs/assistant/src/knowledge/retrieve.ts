import { Prisma, toVectorLiteral, type Database } from '@recgraph/db';
import { chooseTextEncoder, openTextEncoder, type TextEncoder } from '@recgraph/embeddings';
import { silentLogger, type EventBusLogger } from '@recgraph/events';
import { reciprocalRankFusion, type RankedList } from '@recgraph/ranking/fusion';
import { badUserInput } from '@recgraph/subgraph-kit';
import type { KnowledgeKindName, KnowledgeRetriever, RetrievedChunk, RetrieveOptions } from './types.ts';

export const KNOWLEDGE_KINDS: readonly KnowledgeKindName[] = [
  'POLICY',
  'PRODUCT_DESCRIPTION',
  'PRODUCT_SPECS',
  'REVIEW',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Longest query read (characters); longer input is a client's mistake, not a question. */
export const MAX_QUERY_CHARS = 2000;
/** Words of a query the lexical list matches on (a pasted essay would otherwise make a huge tsquery). */
const MAX_QUERY_WORDS = 32;

export interface KnowledgeRetrieverOptions {
  db: Pick<Database, 'prisma'>;
  /** The search issue's text encoder (TEXT_ENCODER_DIR; unset → the fetched all-MiniLM-L6-v2, else built-in). */
  textEncoderDir?: string;
  /** An encoder already open (shared with the indexer, tests); the retriever then does not release it. */
  encoder?: TextEncoder;
  /** Candidates each retriever contributes before fusion (default 40, pgvector's default hnsw.ef_search). */
  candidates?: number;
  /** RRF's k (default 60). */
  rrfK?: number;
  log?: EventBusLogger;
}

export interface ClosableKnowledgeRetriever extends KnowledgeRetriever {
  /** The encoder queries are embedded with, once loaded (undefined: lexical only). */
  encoderModel(): Promise<string | undefined>;
  close(): Promise<void>;
}

interface Candidate {
  id: string;
  score: number;
}

/** The lexical query: every word (stemmed, stop words dropped), the last one also as a prefix. */
function anyWordQuery(query: string): string | undefined {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, MAX_QUERY_WORDS);
  if (words.length === 0) return undefined;
  return words.map((w, i) => (i === words.length - 1 && w.length >= 3 ? `${w}:*` : w)).join(' | ');
}

/**
 * Hybrid retrieval over knowledge_chunks: a lexical list (chunks matching every word of
 * websearch_to_tsquery first, then any word, by ts_rank_cd over the stored tsvector) and a
 * vector list (cosine over the search issue's text encoder, through the per-kind HNSW
 * indexes; only vectors of the encoder the query was embedded with), fused by reciprocal
 * rank (the shared @recgraph/ranking/fusion, as search fuses). Without a loadable encoder
 * it answers from the lexical list alone (logged once).
 */
export function createKnowledgeRetriever(o: KnowledgeRetrieverOptions): ClosableKnowledgeRetriever {
  const { prisma } = o.db;
  const log = o.log ?? silentLogger;
  const candidates = o.candidates ?? 40;
  const rrfK = o.rrfK ?? 60;
  let encoder: Promise<TextEncoder | undefined> | undefined = o.encoder ? Promise.resolve(o.encoder) : undefined;
  let checkedModel: string | undefined;

  /** Once per encoder: chunks embedded by another encoder (the indexer configured differently) are not compared, say so. */
  async function checkModel(e: TextEncoder): Promise<void> {
    if (checkedModel === e.model) return;
    checkedModel = e.model;
    const [row] = await prisma.$queryRaw<{ other: string | null; mine: boolean }[]>`
      SELECT (SELECT model FROM knowledge_chunks WHERE model IS DISTINCT FROM ${e.model} LIMIT 1) AS other,
        EXISTS (SELECT 1 FROM knowledge_chunks WHERE model = ${e.model}) AS mine`;
    if (row && !row.mine && row.other !== null)
      log.warn(
        { encoder: e.model, indexedWith: row.other },
        "knowledge retrieval: the knowledge base was embedded by another text encoder than this process loads (TEXT_ENCODER_DIR differs from the indexer's); answering from the lexical list until it is re-indexed",
      );
  }

  const currentEncoder = (): Promise<TextEncoder | undefined> => {
    encoder ??= (async () => {
      try {
        const choice = chooseTextEncoder(o.textEncoderDir);
        const e = await openTextEncoder(choice, { threads: 1 });
        log.info({ model: e.model, dims: e.dims, why: choice.reason }, 'knowledge retrieval: text encoder loaded');
        return e;
      } catch (err) {
        log.warn({ err }, 'knowledge retrieval: no text encoder could be opened; lexical retrieval only');
        return undefined;
      }
    })();
    return encoder;
  };

  const filters = (kinds: readonly KnowledgeKindName[], productIds: readonly string[] | undefined) =>
    Prisma.sql`c.kind = ANY(${kinds}::"KnowledgeKind"[])${
      productIds ? Prisma.sql` AND c.product_id = ANY(${productIds}::uuid[])` : Prisma.empty
    }`;

  async function lexical(
    query: string,
    kinds: readonly KnowledgeKindName[],
    productIds: readonly string[] | undefined,
  ): Promise<Candidate[]> {
    const any = anyWordQuery(query);
    if (!any) return [];
    return prisma.$queryRaw<Candidate[]>`
      WITH q AS (SELECT websearch_to_tsquery('english', ${query}) AS every, to_tsquery('english', ${any}) AS some)
      SELECT c.id::text AS id,
        ts_rank_cd(c.search_vector, q.some)::float8 + CASE WHEN c.search_vector @@ q.every THEN 1 ELSE 0 END AS score
      FROM knowledge_chunks c, q
      WHERE c.search_vector @@ q.some AND ${filters(kinds, productIds)}
      ORDER BY score DESC, c.id LIMIT ${candidates}`;
  }

  async function semantic(
    query: string,
    kinds: readonly KnowledgeKindName[],
    productIds: readonly string[] | undefined,
  ): Promise<Candidate[]> {
    const e = await currentEncoder();
    if (!e) return [];
    if (!Number.isInteger(e.dims) || e.dims <= 0) return [];
    await checkModel(e);
    const v = toVectorLiteral(await e.encodeQuery(query));
    // One query per kind, each on its partial HNSW index (kind, dims): a filter never empties
    // the list by discarding the graph's nearest chunks of other kinds. dims and kind are
    // literals (checked above / from the fixed list) because the index predicates must match at planning.
    const dims = Prisma.raw(String(e.dims));
    const perKind = kinds.map(
      (
        kind,
      ) => Prisma.sql`(SELECT c.id::text AS id, 1 - ((c.embedding)::vector(${dims}) <=> ${v}::vector(${dims}))::float8 AS score
        FROM knowledge_chunks c
        WHERE c.kind = ${Prisma.raw(`'${kind}'`)} AND vector_dims(c.embedding) = ${dims} AND c.model = ${e.model}${
          productIds ? Prisma.sql` AND c.product_id = ANY(${productIds}::uuid[])` : Prisma.empty
        }
        ORDER BY (c.embedding)::vector(${dims}) <=> ${v}::vector(${dims}) LIMIT ${candidates})`,
    );
    return prisma.$queryRaw<Candidate[]>`
      SELECT id, score FROM (${Prisma.join(perKind, ' UNION ALL ')}) nearest ORDER BY score DESC, id LIMIT ${candidates}`;
  }

  return {
    async retrieve(query: string, options: RetrieveOptions = {}): Promise<RetrievedChunk[]> {
      const q = typeof query === 'string' ? query.trim() : '';
      if (!q) throw badUserInput('the query must not be empty', 'query');
      if (q.length > MAX_QUERY_CHARS)
        throw badUserInput(`the query must be at most ${MAX_QUERY_CHARS} characters`, 'query');
      const k = options.k ?? 5;
      if (!Number.isInteger(k) || k < 1 || k > 50) throw badUserInput('k must be a whole number from 1 to 50', 'k');
      const kinds = options.kinds ? [...new Set(options.kinds)] : [...KNOWLEDGE_KINDS];
      for (const kind of kinds)
        if (!KNOWLEDGE_KINDS.includes(kind))
          throw badUserInput(`unknown kind ${String(kind)} (expected ${KNOWLEDGE_KINDS.join(', ')})`, 'kinds');
      const productIds = options.productIds ? [...new Set(options.productIds)] : undefined;
      for (const id of productIds ?? [])
        if (!UUID.test(id)) throw badUserInput(`${id} is not a product id`, 'productIds');
      const perDocument = options.maxPerDocument;
      if (perDocument !== undefined && (!Number.isInteger(perDocument) || perDocument < 1))
        throw badUserInput('maxPerDocument must be a whole number of at least 1', 'maxPerDocument');
      if (kinds.length === 0 || productIds?.length === 0) return [];

      // Sequential on purpose: the embedded database serves one connection.
      const lexicalHits = await lexical(q, kinds, productIds);
      const semanticHits = await semantic(q, kinds, productIds);
      const lists: RankedList<'LEXICAL' | 'SEMANTIC'>[] = [
        { retriever: 'LEXICAL', hits: lexicalHits },
        { retriever: 'SEMANTIC', hits: semanticHits },
      ];
      // With a per-document cap, more fused chunks are read so that k remain after it.
      const fused = reciprocalRankFusion(lists, { k: rrfK }).slice(0, perDocument ? k * 4 : k);
      if (fused.length === 0) return [];
      const rows = await prisma.$queryRaw<
        {
          id: string;
          document_id: string;
          key: string;
          kind: KnowledgeKindName;
          title: string;
          product_id: string | null;
          content: string;
        }[]
      >`
        SELECT c.id::text AS id, c.document_id::text AS document_id, d.key, c.kind::text AS kind, d.title,
          c.product_id::text AS product_id, c.content
        FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
        WHERE c.id = ANY(${fused.map((f) => f.id)}::uuid[])`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      const perDocumentSeen = new Map<string, number>();
      const chunks = fused.flatMap((f) => {
        const r = byId.get(f.id);
        // A chunk replaced between the lists and this read is left out rather than cited stale.
        if (!r) return [];
        if (perDocument) {
          const n = perDocumentSeen.get(r.document_id) ?? 0;
          if (n >= perDocument) return [];
          perDocumentSeen.set(r.document_id, n + 1);
        }
        return [
          {
            chunkId: r.id,
            documentId: r.document_id,
            documentKey: r.key,
            kind: r.kind,
            title: r.title,
            productId: r.product_id,
            content: r.content,
            score: f.score,
            retrievers: f.retrievers.map(({ retriever, rank }) => ({ retriever, rank })),
          },
        ];
      });
      return chunks.slice(0, k);
    },
    encoderModel: async () => (await currentEncoder())?.model,
    async close() {
      if (o.encoder || !encoder) return;
      const e = await encoder;
      encoder = undefined;
      await e?.release().catch(() => undefined);
    },
  };
}
