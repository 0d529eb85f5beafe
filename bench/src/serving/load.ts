// Open-loop load: vegeta in its own process sends requests at a fixed arrival
// rate whatever the server's latency (it adds workers and connections as
// needed), so a slow answer delays nobody's send time and queueing shows up in
// the latency instead of silently lowering the rate (no coordinated omission,
// unlike a closed loop of N connections).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface StepResult {
  offered: number;
  seconds: number;
  requests: number;
  ok: number;
  /** Non-200 answers, GraphQL errors, and transport errors other than timeouts. */
  errors: number;
  timeouts: number;
  /** Requests the generator actually sent per second (below offered only when it could not keep up). */
  sentRate: number;
  /** Successful answers per second, from the first send to the last answer. */
  achieved: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errorSamples: string[];
}

const INSTALL = 'go install github.com/tsenart/vegeta/v12@latest';

/** VEGETA_BIN, then PATH, then Go's install directories. */
export async function findVegeta(): Promise<string> {
  const candidates = [
    process.env.VEGETA_BIN,
    ...(process.env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'vegeta')),
    process.env.GOBIN && join(process.env.GOBIN, 'vegeta'),
    process.env.GOPATH && join(process.env.GOPATH, 'bin', 'vegeta'),
    join(homedir(), 'go', 'bin', 'vegeta'),
  ];
  try {
    const { stdout } = await run('go', ['env', 'GOPATH']);
    candidates.push(join(stdout.trim(), 'bin', 'vegeta'));
  } catch {
    // no Go toolchain: only the places above
  }
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error(
    `serving-open-loop drives load with vegeta (open loop, fixed arrival rate), which was not found. Install it with \`${INSTALL}\` (Go ≥ 1.22) or set VEGETA_BIN.`,
  );
}

export async function vegetaVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await run(bin, ['-version']);
    const v = /Version:[ \t]*(\S+)/.exec(stdout)?.[1];
    if (v) return v;
  } catch {
    // fall through
  }
  try {
    // `go install` builds carry no -version stamp; the module version is in the build info.
    const { stdout } = await run('go', ['version', '-m', bin]);
    return /\bmod\s+\S+\s+(v\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface VegetaResult {
  code: number;
  timestamp: string;
  latency: number;
  error: string;
  body: string;
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** One request of an attack: when it was sent, how long it took, and what went wrong (undefined: a good answer). */
export interface AttackRecord {
  sentMs: number;
  ms: number;
  problem?: string | undefined;
}

export interface AttackOptions {
  vegeta: string;
  requests: LoadRequest[];
  rate: number;
  seconds: number;
  timeoutS: number;
  workDir: string;
  name: string;
  /**
   * Closed loop instead: `workers` requests in flight, each sent when the previous answer
   * arrives (vegeta -rate=0), for maximum throughput at that concurrency; `rate` is ignored.
   */
  closedLoopWorkers?: number;
}

/**
 * vegeta cycling through `requests` at `rate` per second for `seconds`, every answer checked
 * for GraphQL errors. Latencies include every request, failed ones at the time they took
 * (timeouts at `timeoutS`).
 */
export async function attack(o: AttackOptions): Promise<AttackRecord[]> {
  const targets = join(o.workDir, `${o.name}.targets.jsonl`);
  const results = join(o.workDir, `${o.name}.results.bin`);
  writeFileSync(
    targets,
    o.requests
      .map((r) =>
        JSON.stringify({
          method: 'POST',
          url: r.url,
          header: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, [v]])),
          body: Buffer.from(r.body).toString('base64'),
        }),
      )
      .join('\n') + '\n',
  );
  await run(
    o.vegeta,
    [
      'attack',
      '-format=json',
      `-targets=${targets}`,
      ...(o.closedLoopWorkers
        ? ['-rate=0', `-workers=${o.closedLoopWorkers}`, `-max-workers=${o.closedLoopWorkers}`]
        : [`-rate=${o.rate}/1s`]),
      `-duration=${o.seconds}s`,
      `-timeout=${o.timeoutS}s`,
      '-max-body=-1',
      `-name=${o.name}`,
      `-output=${results}`,
    ],
    { maxBuffer: 16 * 2 ** 20 },
  );
  const { stdout } = await run(o.vegeta, ['encode', '--to=json', results], { maxBuffer: 1024 * 2 ** 20 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const r = JSON.parse(line) as VegetaResult;
      const sentMs =
        Date.parse(r.timestamp) + Number(/\.(\d+)/.exec(r.timestamp)?.[1]?.padEnd(9, '0').slice(3, 9) ?? 0) / 1e6;
      let problem: string | undefined;
      if (r.error) {
        // Ports vary per connection: drop them so the same failure counts as one kind.
        problem = /timeout|deadline exceeded/i.test(r.error)
          ? 'timeout'
          : r.error.replace(/(\d{1,3}\.){3}\d{1,3}:\d+/g, 'host:port');
      } else if (r.code !== 200) {
        problem = `HTTP ${r.code}: ${Buffer.from(r.body ?? '', 'base64')
          .toString('utf8')
          .slice(0, 200)}`;
      } else {
        const body = Buffer.from(r.body ?? '', 'base64').toString('utf8');
        if (body.includes('"errors"') || !body.includes('"data"')) problem = `GraphQL: ${body.slice(0, 200)}`;
      }
      return { sentMs, ms: r.latency / 1e6, problem };
    });
}

/** Counts, rates and percentiles of an attack's records. */
export function summarise(records: readonly AttackRecord[], offered: number, seconds: number): StepResult {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let timeouts = 0;
  let first = Infinity;
  let lastSent = -Infinity;
  let lastDone = -Infinity;
  const samples = new Map<string, number>();
  for (const { sentMs, ms, problem } of records) {
    latencies.push(ms);
    first = Math.min(first, sentMs);
    lastSent = Math.max(lastSent, sentMs);
    lastDone = Math.max(lastDone, sentMs + ms);
    if (!problem) ok++;
    else if (problem === 'timeout') timeouts++;
    else errors++;
    if (problem) samples.set(problem, (samples.get(problem) ?? 0) + 1);
  }
  latencies.sort((a, b) => a - b);
  const n = records.length;
  return {
    offered,
    seconds,
    requests: n,
    ok,
    errors,
    timeouts,
    sentRate: n > 1 ? round2((n - 1) / ((lastSent - first) / 1000)) : 0,
    achieved: n ? round2(ok / ((lastDone - first) / 1000)) : 0,
    p50: round2(pct(latencies, 50)),
    p90: round2(pct(latencies, 90)),
    p99: round2(pct(latencies, 99)),
    max: round2(latencies.at(-1) ?? NaN),
    errorSamples: [...samples.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([m, c]) => `${c}× ${m}`),
  };
}

/** One step: `rate` requests per second for `seconds`, cycling through `requests` (one per user). */
export async function openLoopStep(o: AttackOptions): Promise<StepResult> {
  return summarise(await attack(o), o.rate, o.seconds);
}
