export { loadConfig, config, ConfigError, type LoadOptions } from './load.ts';
export { configSchema, type Config } from './schema.ts';
