/**
 * The Airflow DAG (monitoring/airflow/recgraph_dag.py) run by Airflow itself: `airflow dags test`
 * (apache-airflow from PyPI, .infra/airflow-venv, installed by scripts/infra/airflow.sh) in an
 * AIRFLOW_HOME of its own (a copy of the SQLite metadata database `airflow db migrate` made at
 * install), with every task running the project's real npm script against a fresh database on the
 * real Postgres (TEST_DATABASE_URL) holding a small generated store. Then: every task succeeded, in
 * the documented order, and the run had its effect (a catalog imported, a model registered and
 * promoted, every product's TEXT embedding written). Also the cheap checks: the file compiles and names the
 * npm scripts it runs. 80 s at load average 4, three minutes at 15 (four `npm run`s, each a tsx start-up).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { infraTool, MONITORING_DIR, REPO_ROOT } from './tools.ts';

const DAG = `${MONITORING_DIR}airflow/recgraph_dag.py`;
const DAG_ID = 'recgraph_nightly';
const TASKS = ['import', 'features_rebuild', 'train', 'embeddings'];
const CATALOG = 'packages/data/test/fixtures/catalog/products.jsonl';
const run = promisify(execFile);
const TEXT_VECTORS = "SELECT count(DISTINCT product_id) FROM product_embeddings WHERE kind = 'TEXT'";

describe('the Airflow DAG', () => {
  it('compiles (python -m py_compile)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-dag-'));
    try {
      await run('python3', [
        '-c',
        'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
        DAG,
        join(dir, 'dag.pyc'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs import → features rebuild → train → embeddings, each an npm script of this project', () => {
    const source = readFileSync(DAG, 'utf8');
    expect(source).toMatch(/^\s*import_data >> rebuild_features >> train >> embeddings\s*$/m);
    const scripts = (
      JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const used = [...source.matchAll(/npm\("([\w:-]+)"/g)].map((m) => m[1]!);
    expect(used).toEqual(['import', 'features:rebuild', 'train', 'embeddings']);
    for (const s of used) expect(scripts[s], s).toBeDefined();
  });
});

const airflow = infraTool('airflow-venv/bin/airflow');
const template = infraTool('airflow-template.db');

describe.skipIf(!airflow || !template)('`airflow dags test` on the real Postgres', () => {
  let db: Database | undefined;
  let databaseUrl: string;
  let home: string;
  let products0: number;

  beforeAll(async () => {
    const server = await realPostgresUrl();
    if (!server) throw new Error('TEST_DATABASE_URL is not set: run `npm run infra:up`');
    databaseUrl = await createTestDatabase(server);
    db = await openDatabase({ url: databaseUrl, poolSize: 2 });
    await seedStore(db, generateStore({ seed: 7, products: 60, users: 80 }));
    products0 = await count(db, 'SELECT count(*) FROM products');
    home = mkdtempSync(join(tmpdir(), 'rg-airflow-'));
    copyFileSync(template!, join(home, 'airflow.db'));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs every task, in order, and trains, promotes and embeds', async () => {
    expect(await count(db!, TEXT_VECTORS)).toBe(0);
    // The worker's environment: Airflow's own settings, then what the DAG and its npm scripts read.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AIRFLOW_HOME: home,
      // Parsing the DAG must leave no __pycache__ in the checkout.
      PYTHONDONTWRITEBYTECODE: '1',
      AIRFLOW__CORE__DAGS_FOLDER: `${MONITORING_DIR}airflow`,
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${join(home, 'airflow.db')}`,
      RECGRAPH_DIR: REPO_ROOT,
      RECGRAPH_IMPORT_ARGS: `catalog ${CATALOG}`,
      // Quick-sized: the small store trains in seconds.
      RECGRAPH_TRAIN_ARGS: '--algorithm ease',
      RECGRAPH_TASK_RETRIES: '0',
      DATABASE_URL: databaseUrl,
      RECGRAPH_DATA_DIR: join(home, 'data'),
    };
    const { stdout, stderr } = await run(airflow!, ['dags', 'test', DAG_ID], {
      env,
      cwd: home,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`airflow dags test failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });

    // Airflow's own record of the run (its metadata database), not our reading of its log.
    const python = join(airflow!, '..', 'python');
    const { stdout: rows } = await run(python, [
      '-c',
      `import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(json.dumps(c.execute("SELECT task_id, state, start_date, end_date FROM task_instance WHERE dag_id = ? ORDER BY start_date", (sys.argv[2],)).fetchall()))`,
      join(home, 'airflow.db'),
      DAG_ID,
    ]);
    const tasks = JSON.parse(rows) as [string, string, string, string][];
    expect(
      tasks.map(([id, state]) => [id, state]),
      `${stdout}\n${stderr}`,
    ).toEqual(TASKS.map((t) => [t, 'success']));
    for (let i = 1; i < tasks.length; i++) expect(tasks[i]![2] >= tasks[i - 1]![3]).toBe(true);

    // The effect on the database the tasks were pointed at.
    expect(await count(db!, 'SELECT count(*) FROM products')).toBeGreaterThan(products0);
    // EASE beats popularity on this store (a small ALS does not), so the run also promotes.
    expect(await count(db!, "SELECT count(*) FROM model_versions WHERE status = 'ACTIVE' AND algorithm = 'ease'")).toBe(
      1,
    );
    expect(await count(db!, TEXT_VECTORS)).toBeGreaterThan(products0);
  }, 600_000);
});

async function count(db: Database, sql: string): Promise<number> {
  const { rows } = await db.pool.query<{ count: string }>(sql);
  return Number(rows[0]!.count);
}
