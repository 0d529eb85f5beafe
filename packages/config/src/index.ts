export { loadConfig, config, ConfigError, type LoadOptions } from './load.ts';
export { configSchema, DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET, DEV_IDENTITY_SIGNING_KEY, type Config } from './schema.ts';
export {
  ROLES,
  ROLE_SETTINGS,
  SECRET_SETTINGS,
  MIN_SECRET_BYTES,
  roleSettings,
  weakSecret,
  productionIssues,
  type Role,
} from './roles.ts';
export { subgraphUrlsFromConfig, type SubgraphName, type SubgraphUrls } from './subgraphUrls.ts';
