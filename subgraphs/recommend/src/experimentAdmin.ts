import type { PrismaClient } from '@recgraph/db';
import type { Experiment } from '@recgraph/db/generated/prisma/client';
import type { ExperimentState, ExperimentVariant, Strategy } from '@recgraph/ranking';
import { badUserInput, notFound, requireUuid } from '@recgraph/subgraph-kit';
import { attributedOutcomes } from './attribution.ts';

const STRATEGIES: readonly Strategy[] = ['PERSONALIZED', 'MIXED', 'POPULAR'];
const MAX_VARIANTS = 10;
const MAX_WINDOW_MINUTES = 7 * 24 * 60;

export interface ExperimentVariantInput {
  name?: string | null;
  weight?: number | null;
  modelVersionId?: string | null;
  strategy?: string | null;
}

export interface CreateExperimentInput {
  name?: string | null;
  variants?: ExperimentVariantInput[] | null;
  attributionWindowMinutes?: number | null;
}

/**
 * Checks every field before anything is written: 2–10 uniquely named variants
 * with positive weights, model versions that exist and can serve, a window of
 * 1 minute to 7 days. Errors name the offending field (BAD_USER_INPUT).
 */
async function validateExperiment(prisma: PrismaClient, input: CreateExperimentInput) {
  const name = (input.name ?? '').trim();
  if (!name || name.length > 100) throw badUserInput('name must be 1 to 100 characters', 'name');
  const raw = input.variants ?? [];
  if (raw.length < 2 || raw.length > MAX_VARIANTS)
    throw badUserInput(`an experiment has 2 to ${MAX_VARIANTS} variants (got ${raw.length})`, 'variants');
  const variants: ExperimentVariant[] = [];
  for (const [i, v] of raw.entries()) {
    const vName = (v.name ?? '').trim();
    if (!vName || vName.length > 50) throw badUserInput(`variants[${i}].name must be 1 to 50 characters`, 'variants');
    if (variants.some((x) => x.name === vName))
      throw badUserInput(`variants[${i}].name "${vName}" is used twice`, 'variants');
    const weight = v.weight ?? 1;
    if (!Number.isFinite(weight) || weight <= 0 || weight > 1_000_000)
      throw badUserInput(`variants[${i}].weight must be a positive number (got ${weight})`, 'variants');
    const strategy = v.strategy ?? null;
    if (strategy !== null && !STRATEGIES.includes(strategy as Strategy))
      throw badUserInput(`variants[${i}].strategy must be one of ${STRATEGIES.join(', ')}`, 'variants');
    const modelVersionId = v.modelVersionId ? requireUuid(v.modelVersionId, `variants[${i}].modelVersionId`) : null;
    variants.push({ name: vName, weight, modelVersionId, strategy: strategy as Strategy | null });
  }
  const ids = [...new Set(variants.flatMap((v) => (v.modelVersionId ? [v.modelVersionId] : [])))];
  const found = await prisma.modelVersion.findMany({ where: { id: { in: ids } } });
  for (const id of ids) {
    const m = found.find((f) => f.id === id);
    if (!m) throw notFound(`No model version with id ${id}`);
    if (m.status === 'FAILED' || !m.artifactUri)
      throw badUserInput(`model version ${id} (${m.status}) has no artifact to serve`, 'variants');
  }
  const minutes = input.attributionWindowMinutes ?? 60;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_WINDOW_MINUTES)
    throw badUserInput(
      `attributionWindowMinutes must be a whole number from 1 to ${MAX_WINDOW_MINUTES}`,
      'attributionWindowMinutes',
    );
  return { name, variants, attributionWindowS: minutes * 60 };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The GraphQL shape of an experiments row. */
export function experimentView(e: Experiment) {
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    variants: e.variants as unknown as ExperimentVariant[],
    attributionWindowMinutes: Math.round(e.attributionWindowS / 60),
    createdAt: e.createdAt.toISOString(),
    startedAt: iso(e.startedAt),
    stoppedAt: iso(e.stoppedAt),
  };
}

export async function createExperiment(prisma: PrismaClient, input: CreateExperimentInput): Promise<Experiment> {
  const data = await validateExperiment(prisma, input);
  if (await prisma.experiment.findUnique({ where: { name: data.name } }))
    throw badUserInput(`an experiment named "${data.name}" exists`, 'name');
  return prisma.experiment.create({
    data: { name: data.name, variants: data.variants as object[], attributionWindowS: data.attributionWindowS },
  });
}

async function getExperiment(prisma: PrismaClient, id: string): Promise<Experiment> {
  const e = await prisma.experiment.findUnique({ where: { id: requireUuid(id, 'id') } });
  if (!e) throw notFound(`No experiment with id ${id}`);
  return e;
}

export { getExperiment };

/** DRAFT → RUNNING. Refused while another runs (one list, one experiment). */
export async function startExperiment(prisma: PrismaClient, state: ExperimentState, id: string): Promise<Experiment> {
  const e = await getExperiment(prisma, id);
  if (e.status !== 'DRAFT') throw badUserInput(`experiment ${id} is ${e.status}; only a DRAFT can start`, 'id');
  const running = await prisma.experiment.findFirst({ where: { status: 'RUNNING' } });
  if (running) throw badUserInput(`experiment "${running.name}" is running; stop it first`, 'id');
  try {
    const started = await prisma.experiment.update({
      where: { id: e.id, status: 'DRAFT' },
      data: { status: 'RUNNING', startedAt: new Date() },
    });
    state.invalidate();
    return started;
  } catch (err) {
    // The partial unique index: another start won the race.
    if ((err as { code?: string }).code === 'P2002' || (err as { code?: string }).code === 'P2025')
      throw badUserInput('another experiment started meanwhile; stop it first', 'id');
    throw err;
  }
}

/** RUNNING → STOPPED: every user gets the ACTIVE model again (this replica at once, others within seconds). */
export async function stopExperiment(prisma: PrismaClient, state: ExperimentState, id: string): Promise<Experiment> {
  const e = await getExperiment(prisma, id);
  if (e.status !== 'RUNNING') throw badUserInput(`experiment ${id} is ${e.status}; only a RUNNING one can stop`, 'id');
  const stopped = await prisma.experiment.update({
    where: { id: e.id },
    data: { status: 'STOPPED', stoppedAt: new Date() },
  });
  state.invalidate();
  return stopped;
}

/** A proportion with its 95 % Wilson score interval (sound for small counts and rates near 0 or 1). */
export function rate(successes: number, n: number) {
  if (n === 0) return { value: 0, low: 0, high: 0 };
  const z = 1.959964;
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Two-sided p-value of a two-proportion z-test (pooled), or null when it is undefined. */
export function twoProportionPValue(x1: number, n1: number, x2: number, n2: number): number | null {
  if (n1 === 0 || n2 === 0) return null;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return null;
  const z = Math.abs(x1 / n1 - x2 / n2) / se;
  return erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

/**
 * Per variant: impressions, distinct users, and the share of impressions that
 * led to a click-through, an add-to-cart and a purchase within the experiment's
 * attribution window (last touch: attributedOutcomes). The first variant is the
 * control for the p-value.
 */
export async function experimentResults(prisma: PrismaClient, id: string) {
  const e = await getExperiment(prisma, id);
  const rows = await attributedOutcomes(prisma, { experimentId: e.id }, 'variant');
  const variants = e.variants as unknown as ExperimentVariant[];
  const byName = new Map(rows.map((r) => [r.variant, r]));
  const empty = { impressions: 0, users: 0, clicked: 0, carted: 0, purchased: 0 };
  const control = byName.get(variants[0]!.name) ?? { ...empty, variant: variants[0]!.name };
  return {
    experiment: experimentView(e),
    computedAt: new Date().toISOString(),
    variants: variants.map((v, i) => {
      const r = byName.get(v.name) ?? { ...empty, variant: v.name };
      return {
        name: v.name,
        modelVersionId: v.modelVersionId,
        impressions: r.impressions,
        users: r.users,
        clicks: r.clicked,
        addToCarts: r.carted,
        purchases: r.purchased,
        ctr: rate(r.clicked, r.impressions),
        addToCartRate: rate(r.carted, r.impressions),
        conversionRate: rate(r.purchased, r.impressions),
        ctrPValueVsControl:
          i === 0 ? null : twoProportionPValue(r.clicked, r.impressions, control.clicked, control.impressions),
      };
    }),
  };
}
