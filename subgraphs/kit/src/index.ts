export * from './errors.ts';
export * from './args.ts';
export * from './gatewaySecret.ts';
export * from './httpServer.ts';
export * from './readiness.ts';
export * from './subgraphServer.ts';
export * from './standalone.ts';
export * from './identity.ts';
