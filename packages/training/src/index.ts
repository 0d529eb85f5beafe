export * from './errors.ts';
export * from './training-data.ts';
export { loadTrainingData, type LoadTrainingDataOptions } from './load-training-data.ts';
export * from './algorithms.ts';
export * from './metrics.ts';
export {
  evaluateOnHoldout,
  exclusionFor,
  type HoldoutEvaluation,
  type EvaluateOnHoldoutOptions,
} from './evaluate-split.ts';
export * from './train-model.ts';
export {
  DEFAULT_SEARCH_SPACE,
  tuneOnTrain,
  type SearchSpace,
  type Trial,
  type TuningOptions,
  type TuningResult,
} from './tuning.ts';
export * from './artifact-store.ts';
export * from './artifact-backends.ts';
export * from './registry.ts';
export { withTrainingLock, TRAINING_LOCK_KEY } from './training-lock.ts';
export { startMlflowRun, mlflowKey, type RunTracker, type MlflowOptions } from './mlflow.ts';
export { backendFor, runTraining, type RunTrainingOptions, type TrainingRunResult } from './run-training.ts';
export { SparkAlsModel, SparkError, type SparkBackend } from './spark/spark-als.ts';
export { ExternalAlsModel } from './external-als.ts';
export {
  DeviceUnavailableError,
  ImplicitAlsModel,
  ImplicitError,
  probeImplicit,
  resolveTrainingDevice,
  type ImplicitBackend,
  type ImplicitProbe,
  type ResolvedDevice,
  type TrainerDevice,
  type TrainerDeviceSetting,
} from './implicit/implicit-als.ts';
export type { Comparison, ComparisonRow } from './report/comparison.ts';
export { markdownTable } from './report/markdown-table.ts';
export { htmlReport, barChartSvg } from './report/html-report.ts';
export * from './input-weighting.ts';
export { fitConfiguration, type Configuration, type FittedConfiguration } from './fit-configuration.ts';
export { productContent, movieContent } from './content-features.ts';
