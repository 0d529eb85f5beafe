import { readFileSync } from 'node:fs';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse, type GraphQLSchema } from 'graphql';
import type { GatewaySecrets, Identity } from '@recgraph/auth';
import { createServiceMetrics, type Logger, type ServiceMetrics } from '@recgraph/telemetry';
import { createErrorFormatter, ErrorCode } from './errors.ts';
import { checkGatewaySecret } from './gatewaySecret.ts';
import { forwardedIdentity } from './identity.ts';
import { serveGraphQL, type ReadyReport, type RunningServer } from './httpServer.ts';
import type { ImageUpload } from './imageUpload.ts';

export interface SubgraphDefinition<TContext extends BaseContext> {
  /** Composition name ("catalog"); also the key in the gateway's subgraph URL map. */
  name: string;
  /** The subgraph's one schema.graphql, shared with scripts/compose.ts. */
  schemaFile: URL;
  /** Resolver map (typed by each subgraph against its own context). */
  resolvers: Record<string, unknown>;
  /** The gateway's bearer (checked on every /graphql request) and the key its forwarded identities are signed with. */
  secret: GatewaySecrets;
  /** Per request; `identity` is the caller as the gateway verified it (anonymous when no token). */
  createContext: (identity: Identity) => TContext;
  ready: () => Promise<ReadyReport>;
  logger: Logger;
  /** Adds the subgraph's own series to its /metrics registry (beside the shared GraphQL ones). */
  registerMetrics?: (registry: ServiceMetrics['registry']) => void;
  /** The operation that may carry a photo past maxBodyBytes (up to maxImageUploadBytes), if the subgraph serves one. */
  imageUpload?: ImageUpload;
}

export interface Subgraph {
  readonly name: string;
  readonly sdl: string;
  readonly schema: GraphQLSchema;
  /** Serves /graphql (gateway-only), /health/{live,ready} and /metrics. */
  start(options: SubgraphStartOptions): Promise<RunningServer>;
}

export interface SubgraphStartOptions {
  port: number;
  host: string;
  /** Largest request body accepted (default 1 MB). */
  maxBodyBytes?: number;
  /** Largest body of the subgraph's imageUpload operation (MAX_IMAGE_UPLOAD_BYTES); without it, maxBodyBytes. */
  maxImageUploadBytes?: number;
}

export function readSchemaFile(file: URL): string {
  return readFileSync(file, 'utf8');
}

export function createSubgraph<TContext extends BaseContext>(def: SubgraphDefinition<TContext>): Subgraph {
  const sdl = readSchemaFile(def.schemaFile);
  const schema = buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: def.resolvers as GraphQLResolverMap<unknown> });
  const log = def.logger;
  return {
    name: def.name,
    sdl,
    schema,
    async start({ port, host, maxBodyBytes, maxImageUploadBytes }) {
      const metrics = createServiceMetrics(def.name);
      def.registerMetrics?.(metrics.registry);
      const apollo = new ApolloServer<TContext>({
        schema,
        includeStacktraceInErrorResponses: false,
        // The process runner owns SIGTERM: it drains in-flight requests, then exits. Apollo's own
        // handler would stop the server and re-raise the signal, killing the process mid-drain.
        stopOnTerminationSignals: false,
        logger: log,
        // Inline traces feed Apollo Studio, which Recgraph does not use; tracing is OpenTelemetry's job.
        plugins: [ApolloServerPluginInlineTraceDisabled(), metrics.graphqlPlugin],
        formatError: createErrorFormatter((error) => log.error({ err: error }, 'unexpected resolver error')),
      });
      const running = await serveGraphQL<TContext>({
        apollo,
        service: def.name,
        metrics,
        logger: log,
        host,
        port,
        ...(maxBodyBytes ? { maxBodyBytes } : {}),
        ...(def.imageUpload && maxImageUploadBytes
          ? { imageUpload: { ...def.imageUpload, maxBytes: maxImageUploadBytes } }
          : {}),
        context: async (req) => def.createContext(await forwardedIdentity(req, def.secret.identityKey)),
        ready: def.ready,
        onError: (err) => log.error({ err }, 'request failed'),
        guard: (req) => {
          const check = checkGatewaySecret(req.headers, def.secret.bearer);
          if (check === 'ok') return null;
          log.warn({ remote: req.socket.remoteAddress, check }, 'refused request that bypassed the gateway');
          return check === 'missing'
            ? {
                status: 401,
                code: ErrorCode.UNAUTHENTICATED,
                message: 'Subgraphs accept requests only from the Recgraph gateway',
              }
            : { status: 403, code: ErrorCode.FORBIDDEN, message: 'Gateway credential not accepted' };
        },
      });
      log.info({ url: running.url }, `${def.name} subgraph listening`);
      return running;
    },
  };
}
