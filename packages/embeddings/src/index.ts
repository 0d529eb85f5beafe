export * from './contract.ts';
export { textFeatures, type ProductText } from './text-features.ts';
export { imageFeatures } from './image-features.ts';
export { readEncoderManifest, SHIPPED_MODELS_DIR, type EncoderManifestEntry, type EncoderSpec } from './manifest.ts';
export { loadEncoder, EncoderIntegrityError, type Encoder } from './encoder.ts';
export {
  selectExecutionProvider,
  PROVIDER_PREFERENCES,
  type ExecutionProvider,
  type ProviderChoice,
  type ProviderPreference,
} from './execution-provider.ts';
export { collaborativeRows, type ItemFactors, type CollaborativeRows } from './collaborative.ts';
export {
  generateProductEmbeddings,
  type EmbeddingStage,
  type EmbeddingsReport,
  type GenerateEmbeddingsOptions,
} from './batch-job.ts';
export {
  loadSentenceEncoder,
  productPassage,
  PASSAGE_FORMAT,
  sentenceEncoderDirProblem,
  type SentenceEncoder,
} from './sentence-encoder.ts';
export {
  chooseTextEncoder,
  openTextEncoder,
  DEFAULT_TEXT_ENCODER_DIR,
  type TextEncoder,
  type TextEncoderChoice,
} from './text-encoder.ts';
export {
  EncoderThread,
  EncoderWorkerCrashedError,
  openImageEncoderInWorker,
  openTextEncoderInWorker,
  type EncoderWorkerOptions,
} from './encoder-worker.ts';
export {
  activateEncoder,
  backfillTextEncoder,
  BUILT_IN_SOURCE,
  deleteRetiredVectors,
  embedPending,
  encoderSource,
  backfillImageEncoder,
  imageEncoderChoiceFor,
  imageEncoderSource,
  registerEncoder,
  textEncoderChoiceFor,
  textInputSha256,
  type BackfillOptions,
  type BackfillReport,
  type EmbedPendingOptions,
  type EmbedPendingResult,
} from './pipeline.ts';
