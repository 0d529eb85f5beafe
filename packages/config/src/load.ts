import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { readFileSync } from 'node:fs';
import { productionIssues, roleSettings, type Role } from './roles.ts';
import { configSchema, type Config } from './schema.ts';

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  readonly issues: readonly { variable: string; message: string }[];
  constructor(issues: { variable: string; message: string }[], role?: Role) {
    super(
      `Invalid configuration${role && role !== 'all' ? ` for the ${role}` : ''}:\n` +
        issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n') +
        '\nFix the variables above (environment or .env) and start again.',
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface LoadOptions {
  /** Variables to read; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** A .env file merged under `env` (env wins). Defaults to ./.env when present. */
  envFile?: string | false;
  /**
   * The process reading it: only that role's settings are validated (the rest keep
   * their defaults) and production requires that role's credentials. Default: all.
   */
  role?: Role;
}

/**
 * Reads, validates and types the configuration. This is the only place in
 * Recgraph that reads process.env (an eslint rule enforces it).
 */
export function loadConfig(options: LoadOptions = {}): Config {
  // eslint-disable-next-line no-restricted-properties -- the one sanctioned reader
  const env = options.env ?? process.env;
  const file = options.envFile === undefined ? resolve('.env') : options.envFile;
  const fromFile = file && existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  // Empty strings mean "unset": `DATABASE_URL= npm start` should pick embedded mode.
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...fromFile, ...env })) {
    if (v !== undefined && v !== '') merged[k] = v;
  }
  const role = options.role ?? 'all';
  const uses = roleSettings(role);
  const given = Object.fromEntries(Object.entries(merged).filter(([k]) => uses.has(k as keyof Config)));
  const result = configSchema.safeParse(given);
  if (result.success) {
    const issues = productionIssues(role, result.data, given);
    if (issues.length) throw new ConfigError(issues, role);
    return result.data;
  }
  throw new ConfigError(
    result.error.issues.map((i) => ({
      variable: String(i.path[0] ?? '(root)'),
      message:
        i.code === 'invalid_value' || i.code === 'invalid_type'
          ? `${i.message} (got ${JSON.stringify(merged[String(i.path[0])] ?? null)})`
          : i.message,
    })),
    role,
  );
}

let cached: Config | undefined;

/**
 * Process-wide configuration, loaded once for the role the entry point names
 * (later calls, from library code, get the same); exits with a clear message when invalid.
 */
export function config(role?: Role): Config {
  if (cached) return cached;
  try {
    cached = loadConfig(role ? { role } : {});
    return cached;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
