// The assistant's knowledge base: store documents and product documents, chunked, embedded
// with the search issue's text encoder, refreshed through the bus; hybrid retrieval.
export type * from './types.ts';
export {
  createKnowledgeRetriever,
  KNOWLEDGE_KINDS,
  MAX_QUERY_CHARS,
  type ClosableKnowledgeRetriever,
  type KnowledgeRetrieverOptions,
} from './retrieve.ts';
export {
  createKnowledgeIndexer,
  type IndexReport,
  type KnowledgeIndexer,
  type KnowledgeIndexerOptions,
} from './indexer.ts';
export { chunkDocument, splitBody, CHUNK_SIZE, CHUNK_OVERLAP } from './chunking.ts';
export {
  KnowledgeDocumentError,
  parseStoreDocument,
  productDocuments,
  readStoreDocuments,
  SHIPPED_KNOWLEDGE_DIR,
  type KnowledgeSource,
} from './documents.ts';
