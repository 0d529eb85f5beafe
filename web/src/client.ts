// One urql client per session: a normalised cache (graphcache), GraphQL over HTTP on this
// origin and subscriptions over graphql-ws on the same path. Signing in or out makes a new
// client, so no cached answer or open subscription outlives the token it was made with.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';
import { createClient as createWsClient } from 'graphql-ws';
import type { Session } from './session';

// Types without an id are embedded in their parent rather than normalised.
const EMBEDDED = [
  'Money',
  'RatingSummary',
  'Recommendation',
  'RecommendationsUpdate',
  'SearchResults',
  'SearchFacets',
  'FacetCount',
  'PriceBucketCount',
  'SearchHit',
  'SearchPageInfo',
  'ImageSearchResults',
  'Suggestion',
  'ReviewConnection',
  'ReviewEdge',
  'PageInfo',
  'Spec',
  'Preferences',
  'CartItem',
  'ModelMetric',
  'ServingModel',
  'ExperimentVariant',
  'ExperimentResults',
  'VariantResults',
  'Rate',
  'FeedbackResult',
  'TrackEventResult',
  'AssistantThreadStart',
  'AssistantAnswer',
  'AssistantReply',
  'AssistantDocument',
  'AssistantToolCall',
];

/** Drops every cached answer of these Query fields (all arguments), so pages showing them refetch. */
const invalidate =
  (...fields: string[]) =>
  (_result: unknown, _args: unknown, cache: Cache) => {
    for (const f of cache.inspectFields('Query'))
      if (fields.includes(f.fieldName)) cache.invalidate('Query', f.fieldKey);
  };

// What a mutation changes that its own answer does not carry: a 👎 leaves every list at once,
// checkout opens a new cart, a promotion changes every version's status.
const UPDATES = {
  Mutation: {
    feedback: invalidate('recommendations', 'similarProducts', 'recommendationsForPreferences', 'popularProducts'),
    setPreferences: invalidate('recommendations', 'recommendationsForPreferences'),
    checkout: invalidate('cart'),
    promoteModel: invalidate('modelVersions', 'activeModel'),
    rollbackModel: invalidate('modelVersions', 'activeModel'),
  },
};

export function makeClient(session: Session | null): { client: Client; close(): void } {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = session
    ? createWsClient({ url: wsUrl, connectionParams: { authorization: `Bearer ${session.token}` }, lazy: true })
    : undefined;
  const client = new Client({
    url: '/graphql',
    // POST always: the gateway's CSRF protection refuses simple GET requests without a preflight header.
    preferGetMethod: false,
    // Lists are re-read on each visit; the cache answers first so pages paint at once.
    requestPolicy: 'cache-and-network',
    fetchOptions: (): RequestInit => (session ? { headers: { authorization: `Bearer ${session.token}` } } : {}),
    exchanges: [
      cacheExchange({ keys: Object.fromEntries(EMBEDDED.map((t) => [t, () => null])), updates: UPDATES }),
      fetchExchange,
      ...(ws
        ? [
            subscriptionExchange({
              forwardSubscription(request) {
                const input = { ...request, query: request.query || '' };
                return {
                  subscribe(sink) {
                    const unsubscribe = ws.subscribe(input, sink);
                    return { unsubscribe };
                  },
                };
              },
            }),
          ]
        : []),
    ],
  });
  return { client, close: () => void ws?.dispose() };
}
