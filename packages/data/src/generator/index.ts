export { generateStore, type SyntheticStore } from './store.ts';
export { GenerateOptionsError, resolveOptions, type GenerateOptions } from './options.ts';
export { productImageSvg, renderProductImage } from './image.ts';
export { LATENT_DIMS, PRICE_DIM } from './latent.ts';
