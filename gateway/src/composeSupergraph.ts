import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPHS } from './subgraphList.ts';

/** The checked-in, ahead-of-time composed supergraph the gateway serves in static mode. */
export const SUPERGRAPH_FILE = new URL('../supergraph.graphql', import.meta.url);

export class CompositionError extends Error {
  override name = 'CompositionError';
}

/** Composes gateway/supergraph.graphql's content from every subgraph's schema.graphql. */
export function composeSupergraph(): { supergraphSdl: string; hints: string[] } {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: s.defaultUrl, typeDefs: parse(readFileSync(s.schemaFile, 'utf8')) })),
  );
  if (result.errors) {
    throw new CompositionError(
      'Supergraph composition failed:\n' + result.errors.map((e) => `  - ${e.message}`).join('\n'),
    );
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => h.toString()) };
}

export function readSupergraphFile(): string {
  try {
    return readFileSync(SUPERGRAPH_FILE, 'utf8');
  } catch {
    throw new CompositionError(
      `${SUPERGRAPH_FILE.pathname} is missing: run \`npm run compose\` (or set SUPERGRAPH_MODE=live).`,
    );
  }
}
