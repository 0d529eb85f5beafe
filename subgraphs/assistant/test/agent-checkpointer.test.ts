// LangGraph's own conformance suite for checkpoint savers, run against the
// assistant's Prisma saver on both backends (embedded PGlite and the real server).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validate } from '@langchain/langgraph-checkpoint-validation';
import { openDatabase, type Database } from '@recgraph/db';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { PrismaCheckpointSaver } from '../src/agent/checkpointer.ts';

// The suite calls Jest-style globals; these are vitest's own.
Object.assign(globalThis, { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it });

function suite(name: string, open: () => Promise<Database>): void {
  let db: Database | undefined;
  validate<PrismaCheckpointSaver>({
    checkpointerName: `PrismaCheckpointSaver on ${name}`,
    beforeAllTimeout: 120_000,
    async beforeAll() {
      db = await open();
    },
    async afterAll() {
      await db?.close();
    },
    async createCheckpointer() {
      // One saver lives at a time; each starts from empty tables.
      // DELETE, not TRUNCATE: the tables hold a few rows, and TRUNCATE's new files cost more.
      await db!.prisma.$executeRaw`DELETE FROM assistant_checkpoint_writes`;
      await db!.prisma.$executeRaw`DELETE FROM assistant_checkpoint_blobs`;
      await db!.prisma.$executeRaw`DELETE FROM assistant_checkpoints`;
      return new PrismaCheckpointSaver(db!.prisma);
    },
  });
}

suite('embedded PGlite', () => openDatabase({}));
const serverUrl = await realPostgresUrl();
if (serverUrl) suite('real Postgres', async () => openDatabase({ url: await createTestDatabase(serverUrl) }));
else
  describe.skip('on real Postgres (TEST_DATABASE_URL not set)', () => it('needs TEST_DATABASE_URL', () => undefined));
