// The offline GraphQL IDE: GraphiQL bundled into the build (no CDN), queries over HTTP and
// subscriptions over graphql-ws on this origin. A bearer token from the storefront's demo
// sign-in (localStorage) is sent along, so signed-in operations work here too.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import 'graphiql/style.css';
import { loadSession } from '../session';

const session = loadSession();
const auth = session ? { authorization: `Bearer ${session.token}` } : undefined;
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  ...(auth ? { headers: auth } : {}),
  wsClient: createClient({ url: wsUrl, ...(auth ? { connectionParams: auth } : {}), lazy: true }),
});

// ?query=… opens with that operation (links from docs and tests); otherwise a first example.
const initialQuery =
  new URLSearchParams(location.search).get('query') ??
  '# Recgraph: try\n{ products(first: 3) { edges { node { id title } } } }\n';

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={initialQuery} query={initialQuery} />
  </StrictMode>,
);
