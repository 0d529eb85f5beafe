import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assignVariant, type ExperimentVariant } from '../src/index.ts';

const arm = (name: string, weight: number): ExperimentVariant => ({
  name,
  weight,
  modelVersionId: null,
  strategy: null,
});

describe('assignVariant', () => {
  it('is stable per (experiment, user) and independent across experiments', () => {
    const variants = [arm('a', 1), arm('b', 1)];
    const users = Array.from({ length: 2000 }, () => randomUUID());
    const e1 = randomUUID();
    const e2 = randomUUID();
    const first = users.map((u) => assignVariant(e1, u, variants).name);
    expect(users.map((u) => assignVariant(e1, u.toUpperCase(), variants).name)).toEqual(first);
    const second = users.map((u) => assignVariant(e2, u, variants).name);
    // Independent splits agree about half the time, not always.
    const same = first.filter((v, i) => v === second[i]).length / users.length;
    expect(same).toBeGreaterThan(0.44);
    expect(same).toBeLessThan(0.56);
  });

  it('splits users in proportion to the weights', () => {
    const variants = [arm('control', 3), arm('x', 1)];
    const e = randomUUID();
    const n = 20_000;
    let control = 0;
    for (let i = 0; i < n; i++) if (assignVariant(e, randomUUID(), variants).name === 'control') control++;
    // 0.75 ± 4.5 standard deviations (sd = sqrt(.75·.25/n) ≈ 0.003).
    expect(Math.abs(control / n - 0.75)).toBeLessThan(0.014);
  });
});
