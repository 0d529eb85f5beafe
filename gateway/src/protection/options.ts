import type { Config } from '@recgraph/config';
import { NO_TRUSTED_PROXIES, type TrustedProxies } from './clientAddress.ts';

export interface RateLimit {
  /** Requests allowed per caller in each window. */
  points: number;
  durationS: number;
}

/** Everything the gateway refuses before a request reaches a subgraph. */
export interface ProtectionOptions {
  /** Production hides the schema: no introspection, no "Did you mean" suggestions. */
  production: boolean;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxBodyBytes: number;
  /** Largest body of an image-search request (the photo in a variable); every other request keeps maxBodyBytes. */
  maxImageUploadBytes: number;
  /** Per token subject, else per client IP; false turns it off (benchmarks). */
  rateLimit: RateLimit | false;
  /** Requests with an invalid or forged token per client IP; false turns it off. */
  authFailureLimit: RateLimit | false;
  /** Proxies whose X-Forwarded-For entries are believed for the client IP (HTTP and WebSocket). */
  trustedProxies: TrustedProxies;
  /** Longest a gateway→subgraph fetch may take; over it the field fails TIMEOUT. */
  subgraphTimeoutMs: number;
  /** Allowed browser origins; undefined → localhost origins outside production, none in it. */
  corsOrigins: string[] | undefined;
}

/** The configuration defaults (packages/config), for callers that pass no config: tests and the benchmark. */
export const DEFAULT_PROTECTION: ProtectionOptions = {
  production: false,
  maxDepth: 12,
  maxCost: 20_000,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 1000,
  maxBodyBytes: 1_000_000,
  maxImageUploadBytes: 14_046_552,
  rateLimit: { points: 600, durationS: 60 },
  authFailureLimit: { points: 30, durationS: 60 },
  trustedProxies: NO_TRUSTED_PROXIES,
  subgraphTimeoutMs: 15_000,
  corsOrigins: undefined,
};

export function protectionFromConfig(cfg: Config): ProtectionOptions {
  return {
    production: cfg.NODE_ENV === 'production',
    maxDepth: cfg.MAX_QUERY_DEPTH,
    maxCost: cfg.MAX_QUERY_COST,
    maxAliases: cfg.MAX_QUERY_ALIASES,
    maxDirectives: cfg.MAX_QUERY_DIRECTIVES,
    maxTokens: cfg.MAX_QUERY_TOKENS,
    maxBodyBytes: cfg.MAX_BODY_BYTES,
    maxImageUploadBytes: cfg.MAX_IMAGE_UPLOAD_BYTES,
    rateLimit:
      cfg.RATE_LIMIT_POINTS > 0 ? { points: cfg.RATE_LIMIT_POINTS, durationS: cfg.RATE_LIMIT_DURATION_S } : false,
    authFailureLimit:
      cfg.AUTH_FAILURES_PER_MINUTE > 0 ? { points: cfg.AUTH_FAILURES_PER_MINUTE, durationS: 60 } : false,
    trustedProxies: { hops: cfg.TRUSTED_PROXY_HOPS, cidrs: cfg.TRUSTED_PROXY_CIDRS ?? [] },
    subgraphTimeoutMs: cfg.SUBGRAPH_TIMEOUT_MS,
    corsOrigins: cfg.CORS_ORIGINS,
  };
}
