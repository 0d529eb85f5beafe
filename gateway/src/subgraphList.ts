import type { SubgraphName } from '@recgraph/config';
import type { ImageUpload } from '@recgraph/subgraph-kit';
import { ASSISTANT_SCHEMA_FILE } from '@recgraph/subgraph-assistant/server';
import { CATALOG_SCHEMA_FILE } from '@recgraph/subgraph-catalog/server';
import { RECOMMEND_SCHEMA_FILE } from '@recgraph/subgraph-recommend/server';
import { SEARCH_IMAGE_UPLOAD, SEARCH_SCHEMA_FILE } from '@recgraph/subgraph-search/server';

export { subgraphUrlsFromConfig, type SubgraphName, type SubgraphUrls } from '@recgraph/config';

export interface SubgraphEntry {
  name: SubgraphName;
  /** The subgraph's schema.graphql, the single source for both it and composition. */
  schemaFile: URL;
  /** Routing URL written into the checked-in supergraph; the gateway overrides it at run time. */
  defaultUrl: string;
  /** The operation of this subgraph that may carry a photo past MAX_BODY_BYTES. */
  imageUpload?: ImageUpload;
}

/** Every subgraph the supergraph is composed from, in composition order. */
export const SUBGRAPHS: readonly SubgraphEntry[] = [
  { name: 'catalog', schemaFile: CATALOG_SCHEMA_FILE, defaultUrl: 'http://127.0.0.1:4001/graphql' },
  { name: 'recommend', schemaFile: RECOMMEND_SCHEMA_FILE, defaultUrl: 'http://127.0.0.1:4002/graphql' },
  {
    name: 'search',
    schemaFile: SEARCH_SCHEMA_FILE,
    defaultUrl: 'http://127.0.0.1:4003/graphql',
    imageUpload: SEARCH_IMAGE_UPLOAD,
  },
  { name: 'assistant', schemaFile: ASSISTANT_SCHEMA_FILE, defaultUrl: 'http://127.0.0.1:4004/graphql' },
];

/** The gateway's image-upload operation: the one a subgraph declares (at most one may). */
export const IMAGE_UPLOAD: ImageUpload | undefined = SUBGRAPHS.find((s) => s.imageUpload)?.imageUpload;
