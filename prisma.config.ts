// Prisma CLI configuration. The URL is only needed by `prisma migrate deploy`
// against a real server; the services build their own client (packages/db).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/recgraph' },
});
