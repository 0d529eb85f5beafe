import type { Config } from './schema.ts';

/** The subgraphs, as the gateway routes to them and the assistant's tools call them. */
export type SubgraphName = 'catalog' | 'recommend' | 'search' | 'assistant';
export type SubgraphUrls = Record<SubgraphName, string>;

/**
 * Where each subgraph answers, for a process that calls them (a standalone gateway, the
 * assistant): explicit *_URL, else HOST and the subgraph's port.
 */
export function subgraphUrlsFromConfig(cfg: Config): SubgraphUrls {
  const local = (port: number) => `http://${cfg.HOST === '0.0.0.0' ? '127.0.0.1' : cfg.HOST}:${port}/graphql`;
  return {
    catalog: cfg.CATALOG_URL ?? local(cfg.CATALOG_PORT),
    recommend: cfg.RECOMMEND_URL ?? local(cfg.RECOMMEND_PORT),
    search: cfg.SEARCH_URL ?? local(cfg.SEARCH_PORT),
    assistant: cfg.ASSISTANT_URL ?? local(cfg.ASSISTANT_PORT),
  };
}
