import type { Rng } from './random.ts';
import type { LeafSpec, ProductKind } from './taxonomy.ts';

/**
 * Kind-specific specs (beyond colour/material/pattern/shape, which every
 * product has) and the sentence of the description that talks about them.
 */

export type AttributeValue = string | number | boolean | string[];

export interface KindSpecs {
  attributes: Record<string, AttributeValue>;
  sentence: string;
}

const LETTER_SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
const SHOE_SIZES = ['5', '5.5', '6', '6.5', '7', '7.5', '8', '8.5', '9', '9.5', '10', '10.5', '11', '11.5', '12', '13'];

/** A contiguous run of sizes, as shops stock them (nobody stocks S and XL but not M). */
function sizeRun(rng: Rng, sizes: readonly string[], minLength: number): string[] {
  const length = rng.int(minLength, sizes.length);
  const from = rng.int(0, sizes.length - length);
  return sizes.slice(from, from + length);
}

function dimensions(rng: Rng, min: number, max: number): string {
  const side = () => Math.round(rng.range(min, max));
  return `${side()} x ${side()} x ${Math.max(1, Math.round(side() / 3))}`;
}

/** Weights in grams rounded the way spec sheets print them. */
function grams(rng: Rng, min: number, max: number): number {
  const g = Math.exp(rng.range(Math.log(min), Math.log(max)));
  return g < 100 ? Math.round(g) : Math.round(g / 10) * 10;
}

export function kindSpecs(kind: ProductKind, leaf: LeafSpec, rng: Rng): KindSpecs {
  switch (kind) {
    case 'apparel': {
      const fit = rng.pick(['Slim', 'Regular', 'Relaxed', 'Oversized']);
      const care = rng.pick(['Machine wash cold', 'Machine wash 30°C', 'Hand wash', 'Dry clean only']);
      return {
        attributes: { sizes: sizeRun(rng, LETTER_SIZES, 3), fit, care, weightGrams: grams(rng, 120, 1400) },
        sentence: `${fit} fit. ${care}.`,
      };
    }
    case 'footwear': {
      const sole = rng.pick(['rubber', 'EVA foam', 'leather', 'Vibram']);
      return {
        attributes: {
          sizes: sizeRun(rng, SHOE_SIZES, 6),
          sole,
          waterproof: rng.chance(0.25),
          weightGrams: grams(rng, 250, 1300),
        },
        sentence: `Cushioned insole on a ${sole} sole.`,
      };
    }
    case 'bag': {
      const capacityLitres = leaf.segment === 'backpacks' ? rng.int(12, 65) : rng.int(2, 25);
      return {
        attributes: { capacityLitres, dimensionsCm: dimensions(rng, 15, 60), weightGrams: grams(rng, 150, 1800) },
        sentence: `Holds ${capacityLitres} litres, with an inside zip pocket.`,
      };
    }
    case 'accessory':
      return {
        attributes: { dimensionsCm: dimensions(rng, 8, 180), weightGrams: grams(rng, 30, 400) },
        sentence: 'Finished by hand and gift-boxed.',
      };
    case 'jewellery': {
      const waterResistant = leaf.segment === 'watches' ? rng.pick([30, 50, 100, 200]) : 0;
      const attributes: Record<string, AttributeValue> = {
        hypoallergenic: rng.chance(0.6),
        weightGrams: grams(rng, 3, 180),
      };
      if (waterResistant) attributes['waterResistanceM'] = waterResistant;
      return {
        attributes,
        sentence: waterResistant ? `Water resistant to ${waterResistant} m.` : 'Polished to a bright finish.',
      };
    }
    case 'furniture': {
      const assemblyRequired = rng.chance(0.55);
      return {
        attributes: {
          dimensionsCm: dimensions(rng, 35, 200),
          assemblyRequired,
          maxLoadKg: rng.int(5, 30) * 5,
          weightGrams: grams(rng, 2000, 45000),
        },
        sentence: assemblyRequired ? 'Arrives flat-packed with tools included.' : 'Arrives fully assembled.',
      };
    }
    case 'cookware': {
      const dishwasherSafe = rng.chance(0.6);
      const inductionReady = rng.chance(0.5);
      return {
        attributes: {
          dishwasherSafe,
          ovenSafe: rng.chance(0.5),
          inductionReady,
          diameterCm: rng.int(8, 32),
          weightGrams: grams(rng, 150, 5500),
        },
        sentence: `${dishwasherSafe ? 'Dishwasher safe' : 'Hand wash recommended'}${inductionReady ? ' and works on induction hobs' : ''}.`,
      };
    }
    case 'decor':
      return {
        attributes: {
          dimensionsCm: dimensions(rng, 10, 120),
          indoorOnly: rng.chance(0.8),
          weightGrams: grams(rng, 150, 6000),
        },
        sentence: 'Adds a calm accent to any room.',
      };
    case 'textile': {
      const care = rng.pick(['Machine washable', 'Spot clean only', 'Machine wash 40°C']);
      return {
        attributes: {
          dimensionsCm: dimensions(rng, 40, 300),
          threadCount: rng.pick([180, 200, 300, 400]),
          care,
          weightGrams: grams(rng, 200, 9000),
        },
        sentence: `${care}.`,
      };
    }
    case 'electronics': {
      const wireless = rng.chance(0.6);
      const attributes: Record<string, AttributeValue> = {
        wireless,
        warrantyYears: rng.pick([1, 1, 2, 3]),
        weightGrams: grams(rng, 20, 2400),
      };
      if (wireless) attributes['batteryLifeHours'] = rng.int(4, 60);
      return {
        attributes,
        sentence: wireless
          ? `Up to ${String(attributes['batteryLifeHours'])} hours of battery life.`
          : 'USB-C powered.',
      };
    }
    case 'camping': {
      const seasons = rng.pick(['2-season', '3-season', '4-season']);
      const attributes: Record<string, AttributeValue> = {
        seasons,
        packedSizeCm: dimensions(rng, 10, 60),
        weightGrams: grams(rng, 150, 6000),
      };
      if (leaf.segment === 'tents') attributes['capacityPersons'] = rng.int(1, 6);
      return { attributes, sentence: `${seasons} rated and packs down small.` };
    }
    case 'sports': {
      const level = rng.pick(['Beginner', 'Intermediate', 'Advanced', 'All levels']);
      return {
        attributes: { level, dimensionsCm: dimensions(rng, 10, 180), weightGrams: grams(rng, 100, 20000) },
        sentence: `Suits ${level.toLowerCase()} athletes.`,
      };
    }
    case 'beauty': {
      const skinType = rng.pick(['All skin types', 'Dry', 'Oily', 'Combination', 'Sensitive']);
      const vegan = rng.chance(0.5);
      return {
        attributes: {
          volumeMl: rng.pick([5, 15, 30, 50, 100, 150, 200]),
          skinType,
          vegan,
          crueltyFree: vegan || rng.chance(0.6),
        },
        sentence: `For ${skinType.toLowerCase()} skin${vegan ? '; vegan formula' : ''}.`,
      };
    }
    case 'toy': {
      const age = rng.pick(['3+', '5+', '8+', '12+']);
      return {
        attributes: { ageRange: age, pieces: rng.int(1, 500), weightGrams: grams(rng, 80, 4000) },
        sentence: `Recommended for ages ${age}.`,
      };
    }
  }
}
