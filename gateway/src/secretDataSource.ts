import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GATEWAY_SECRET_HEADER } from '@recgraph/subgraph-kit';

/** Proves to each subgraph that the request came through the gateway. */
export class SecretDataSource extends RemoteGraphQLDataSource {
  readonly #secret: string;

  constructor(url: string, secret: string) {
    super({ url });
    this.#secret = secret;
  }

  override willSendRequest({ request }: GraphQLDataSourceProcessOptions): void {
    request.http?.headers.set(GATEWAY_SECRET_HEADER, this.#secret);
  }
}
