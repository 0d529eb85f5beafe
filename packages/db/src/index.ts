export { openDatabase, embeddedDataDir, type Database, type OpenOptions, type Db } from './database.ts';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
export { migrate, readMigrations, MigrationError, MIGRATIONS_DIR } from './migrate.ts';
export * from './vectors.ts';
export { Prisma, PrismaClient } from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
export { withTransaction } from './transaction.ts';
