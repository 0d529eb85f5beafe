/**
 * The Airflow DAG (monitoring/airflow/recgraph_dag.py). Airflow itself is not installed by
 * infra:up (the CI budget; it does install from PyPI, and the DAG loads in a DagBag without
 * import errors, see docs/operations.md), so this checks what can be checked without it:
 * the file compiles, the tasks run in the documented order, and every npm script a task runs
 * exists in package.json.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MONITORING_DIR, REPO_ROOT } from './tools.ts';

const DAG = `${MONITORING_DIR}airflow/recgraph_dag.py`;

describe('the Airflow DAG', () => {
  it('compiles (python -m py_compile)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-dag-'));
    try {
      await promisify(execFile)('python3', [
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
