export { loadConfig, config, ConfigError, type LoadOptions } from './load.ts';
export { configSchema, DEV_JWT_SECRET, type Config } from './schema.ts';
