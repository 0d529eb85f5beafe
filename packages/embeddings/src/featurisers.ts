import type { FeaturiserName } from './contract.ts';
import { imageFeatures } from './image-features.ts';
import { textFeatures, type ProductText } from './text-features.ts';

/** Featurisers by the name a manifest entry gives; add one here to support a new encoder input. */
export const TEXT_FEATURISERS: Partial<Record<FeaturiserName, (p: ProductText) => Float32Array>> = {
  'hashed-text-v1': (p) => textFeatures(p),
};

export const IMAGE_FEATURISERS: Partial<Record<FeaturiserName, (image: Buffer | string) => Promise<Float32Array>>> = {
  'image-grid-v1': imageFeatures,
};
