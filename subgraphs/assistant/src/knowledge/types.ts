// The knowledge base's contract with the agent: what retrieval returns. The
// implementation (chunking, indexing, hybrid retrieval) lives beside this file.

/** What a knowledge document is about; mirrors the database's KnowledgeKind. */
export type KnowledgeKindName = 'PRODUCT_DESCRIPTION' | 'PRODUCT_SPECS' | 'REVIEW' | 'POLICY';

/** One retrieved passage, with where it came from so an answer can cite it. */
export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  /** The document's natural key: "policy:returns", "product:<id>:description", ... */
  documentKey: string;
  kind: KnowledgeKindName;
  title: string;
  /** The product the document describes; null for store documents (policies, FAQ). */
  productId: string | null;
  content: string;
  /** Fused (RRF) score, higher is better. */
  score: number;
  /** Which retrievers found it and at what rank (1-based). */
  retrievers: { retriever: 'LEXICAL' | 'SEMANTIC'; rank: number }[];
}

export interface RetrieveOptions {
  /** How many chunks to return (default 5, at most 50). */
  k?: number;
  /** Only these kinds of documents. */
  kinds?: readonly KnowledgeKindName[];
  /** Only documents about these products. */
  productIds?: readonly string[];
  /**
   * At most this many chunks of one document (unset: no limit), so k chunks name up to k
   * different documents or products instead of five pieces of one policy.
   */
  maxPerDocument?: number;
}

/** Hybrid (lexical + vector, RRF) retrieval over the knowledge base. */
export interface KnowledgeRetriever {
  retrieve(query: string, options?: RetrieveOptions): Promise<RetrievedChunk[]>;
}
