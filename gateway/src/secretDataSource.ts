import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER } from '@recgraph/auth';
import { GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';
import type { GatewayContext } from './context.ts';

/**
 * Proves to each subgraph that the request came through the gateway, and
 * passes along who the caller is (signed once per request in the context).
 */
export class SecretDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly #secret: string;

  constructor(url: string, secret: string) {
    super({ url });
    this.#secret = secret;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    request.http?.headers.set(GATEWAY_SECRET_HEADER, this.#secret);
    // Composition and health fetches run without a request context.
    const forwarded = (context as Partial<GatewayContext> | undefined)?.forwardedIdentity;
    if (forwarded) request.http?.headers.set(IDENTITY_HEADER, forwarded);
  }
}
