import type pg from 'pg';

/**
 * Counts SQL statements sent through the pg pool under Prisma. Every Prisma
 * operation and every $queryRaw checks a client out of the pool (pg-pool's
 * 'acquire' event fires for pool.query too) and calls client.query per
 * statement, so wrapping each client's query once on acquisition sees every
 * statement on the wire without touching the code under test. Statements
 * opening with a `recgraph:background` SQL comment (timers' passes) are not counted.
 */
export function countSqlStatements(pool: pg.Pool) {
  const WRAPPED = Symbol.for('recgraph.test.sqlCounter');
  const state = { count: 0, statements: [] as string[] };
  pool.on('acquire', (client) => {
    const c = client as pg.PoolClient & { [WRAPPED]?: true };
    if (c[WRAPPED]) return;
    c[WRAPPED] = true;
    const query = c.query.bind(c) as (...args: unknown[]) => unknown;
    (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === 'string' ? first : String((first as { text?: string })?.text ?? '');
      // A timer's pass (the product facts refresh, every 2 s) is not the request under test.
      if (text.trimStart().startsWith('/* recgraph:background */')) return query(...args);
      state.count++;
      state.statements.push(text);
      return query(...args);
    };
  });
  return {
    reset() {
      state.count = 0;
      state.statements = [];
    },
    get count() {
      return state.count;
    },
    get statements() {
      return [...state.statements];
    },
  };
}
