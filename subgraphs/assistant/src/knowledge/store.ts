import { createHash } from 'node:crypto';
import { Prisma, toVectorLiteral, type PrismaClient } from '@recgraph/db';
import type { TextEncoder } from '@recgraph/embeddings';
import { chunkDocument, type ChunkingOptions } from './chunking.ts';
import type { KnowledgeSource } from './documents.ts';

/**
 * The knowledge base's one writer: a document and all its chunks (text, vector, encoder,
 * tsvector) are replaced in ONE transaction, so a reader sees the old version or the new
 * one, never half of each; an advisory lock on the key serialises two indexers writing the
 * same document. Embedding happens before the transaction, which therefore stays short.
 */

export type WriteOutcome = 'unchanged' | 'written';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface StoredChunk {
  ordinal: number;
  input_sha256: string | null;
  model: string | null;
  embedding: string | null;
}

/**
 * Writes `src` unless the stored document already says the same and every chunk carries a
 * vector of `encoder`. Chunks whose text is unchanged keep their vectors (no inference).
 */
export async function writeDocument(
  prisma: PrismaClient,
  encoder: TextEncoder,
  src: KnowledgeSource,
  o: ChunkingOptions = {},
): Promise<WriteOutcome> {
  const chunks = await chunkDocument(src.title, src.body, o);
  const shas = chunks.map(sha256);
  const existing = await prisma.knowledgeDocument.findUnique({
    where: { key: src.key },
    select: { id: true, kind: true, title: true, body: true, productId: true },
  });
  const stored = existing
    ? await prisma.$queryRaw<StoredChunk[]>`
        SELECT ordinal, input_sha256, model, embedding::text AS embedding
        FROM knowledge_chunks WHERE document_id = ${existing.id}::uuid ORDER BY ordinal`
    : [];
  if (
    existing &&
    existing.kind === src.kind &&
    existing.title === src.title &&
    existing.body === src.body &&
    existing.productId === src.productId &&
    stored.length === chunks.length &&
    stored.every((c, i) => c.model === encoder.model && c.input_sha256 === shas[i] && c.embedding !== null)
  )
    return 'unchanged';

  // Vectors of this encoder for texts already embedded are reused; only new text is encoded.
  const reusable = new Map<string, string>();
  for (const c of stored)
    if (c.model === encoder.model && c.input_sha256 && c.embedding) reusable.set(c.input_sha256, c.embedding);
  const toEncode = chunks.filter((_, i) => !reusable.has(shas[i]!));
  const encoded = toEncode.length ? await encoder.encodePassages(toEncode) : [];
  let next = 0;
  const vectors = shas.map((s) => reusable.get(s) ?? toVectorLiteral(encoded[next++]!));

  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`knowledge:${src.key}`}))`;
    const [doc] = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO knowledge_documents (id, kind, key, title, body, product_id, updated_at)
      VALUES (gen_random_uuid(), ${src.kind}::"KnowledgeKind", ${src.key}, ${src.title}, ${src.body}, ${src.productId}::uuid, now())
      ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, title = EXCLUDED.title, body = EXCLUDED.body,
        product_id = EXCLUDED.product_id, updated_at = now()
      RETURNING id`;
    await tx.$executeRaw`DELETE FROM knowledge_chunks WHERE document_id = ${doc!.id}::uuid`;
    if (chunks.length === 0) return;
    const rows = chunks.map(
      (content, i) =>
        Prisma.sql`(gen_random_uuid(), ${doc!.id}::uuid, ${i}, ${src.kind}::"KnowledgeKind", ${src.productId}::uuid, ${content}, ${vectors[i]!}::vector, ${encoder.model}, ${shas[i]!})`,
    );
    await tx.$executeRaw`
      INSERT INTO knowledge_chunks (id, document_id, ordinal, kind, product_id, content, embedding, model, input_sha256)
      VALUES ${Prisma.join(rows)}`;
  });
  return 'written';
}

/** Removes documents (their chunks go with them); returns how many were removed. */
export async function deleteDocuments(prisma: PrismaClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  return prisma.knowledgeDocument.deleteMany({ where: { key: { in: [...keys] } } }).then((r) => r.count);
}
