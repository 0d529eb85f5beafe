import { config } from '@recgraph/config';
import { createSubgraph, readyWhen, type ImageUpload, type Subgraph, type SubgraphDeps } from '@recgraph/subgraph-kit';
import type { SearchSettings } from './hybrid.ts';
import { createSearchLoaders } from './loaders.ts';
import { resolvers, type SearchContext } from './resolvers.ts';
import { ImageQueryEncoder } from './imageSearch.ts';
import { QueryEncoder } from './semantic.ts';

/** The schema file composition reads too (scripts/compose.ts). */
export const SEARCH_SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);

/** searchByImage's photo may exceed MAX_BODY_BYTES, up to MAX_IMAGE_UPLOAD_BYTES (at the gateway too). */
export const SEARCH_IMAGE_UPLOAD: ImageUpload = { field: 'searchByImage', argument: 'imageBase64' };

export interface SearchSubgraphOptions extends Partial<SearchSettings> {
  /** A sentence-encoder directory; unset → TEXT_ENCODER_DIR, else .models/ when fetched, else built-in. */
  textEncoderDir?: string;
  /** An image-encoder directory or "builtin"; unset → IMAGE_ENCODER_DIR, else the shipped trained CNN. */
  imageEncoderDir?: string;
}

/** SEARCH_* and TEXT_ENCODER_DIR from the validated configuration. */
export function searchOptionsFromConfig(): SearchSubgraphOptions {
  const cfg = config();
  return {
    ...(cfg.TEXT_ENCODER_DIR ? { textEncoderDir: cfg.TEXT_ENCODER_DIR } : {}),
    ...(cfg.IMAGE_ENCODER_DIR ? { imageEncoderDir: cfg.IMAGE_ENCODER_DIR } : {}),
    fusion: {
      k: cfg.SEARCH_RRF_K,
      weights: {
        LEXICAL: cfg.SEARCH_WEIGHT_LEXICAL,
        SEMANTIC: cfg.SEARCH_WEIGHT_SEMANTIC,
        IMAGE: cfg.SEARCH_WEIGHT_IMAGE,
      },
      partialLexical: cfg.SEARCH_WEIGHT_LEXICAL_PARTIAL,
    },
    minSimilarity: cfg.SEARCH_MIN_SIMILARITY,
    minImageSimilarity: cfg.SEARCH_MIN_IMAGE_SIMILARITY,
  };
}

export function createSearchSubgraph(
  { prisma, secret, logger }: SubgraphDeps,
  options: SearchSubgraphOptions = searchOptionsFromConfig(),
): Subgraph {
  const settings: SearchSettings = {
    fusion: options.fusion ?? { k: 60, weights: { LEXICAL: 1, SEMANTIC: 1 } },
    minSimilarity: options.minSimilarity ?? 0.3,
    candidates: options.candidates ?? 100,
    minImageSimilarity: options.minImageSimilarity ?? 0.2,
  };
  const encoder = new QueryEncoder(
    {
      ...(options.textEncoderDir ? { textEncoderDir: options.textEncoderDir } : {}),
      minSimilarity: settings.minSimilarity,
    },
    logger,
  );
  // Says at start which encoder it will be (a bad TEXT_ENCODER_DIR fails here); the model loads on the first query.
  encoder.describe();
  // Likewise for image search (a bad IMAGE_ENCODER_DIR fails here).
  const imageEncoder = new ImageQueryEncoder(options.imageEncoderDir, logger);
  imageEncoder.describe();
  return createSubgraph<SearchContext>({
    name: 'search',
    schemaFile: SEARCH_SCHEMA_FILE,
    resolvers,
    secret,
    logger,
    createContext: (identity) => ({
      identity,
      prisma,
      loaders: createSearchLoaders(prisma),
      encoder,
      imageEncoder,
      settings,
    }),
    ready: readyWhen({ database: () => prisma.$queryRaw`SELECT 1` }),
    imageUpload: SEARCH_IMAGE_UPLOAD,
  });
}
