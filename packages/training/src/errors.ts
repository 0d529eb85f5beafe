/**
 * Errors with a stable `code`, so the recommend subgraph and the CLIs can map
 * them to responses and exit codes without matching on messages.
 */
export class TrainingError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A caller passed options that cannot describe a training run. */
export class InvalidTrainingOptionsError extends TrainingError {
  constructor(message: string) {
    super('INVALID_TRAINING_OPTIONS', message);
  }
}

/** Not enough data to split, train or evaluate. */
export class InsufficientDataError extends TrainingError {
  constructor(message: string) {
    super('INSUFFICIENT_DATA', message);
  }
}

/** Another training run holds the lock. */
export class TrainingLockBusyError extends TrainingError {
  constructor() {
    super('TRAINING_LOCK_BUSY', 'another training run is in progress on this database; try again when it has finished');
  }
}

export class ModelVersionNotFoundError extends TrainingError {
  constructor(id: string) {
    super('MODEL_VERSION_NOT_FOUND', `no model version with id ${id}`);
  }
}

/** An admin operation that the registry state does not allow (promote a FAILED model, roll back with no history). */
export class RegistryStateError extends TrainingError {
  constructor(message: string) {
    super('REGISTRY_STATE', message);
  }
}

/** A stored artifact is missing or its bytes no longer match the recorded sha256. */
export class ArtifactIntegrityError extends TrainingError {
  constructor(message: string) {
    super('ARTIFACT_INTEGRITY', message);
  }
}

/** A training run failed; it was recorded as the FAILED model version `versionId`. */
export class TrainingRunFailedError extends TrainingError {
  readonly versionId: string | undefined;
  constructor(reason: string, versionId: string | undefined, cause: unknown) {
    super(
      'TRAINING_RUN_FAILED',
      `training run failed${versionId ? ` (recorded as FAILED version ${versionId})` : ''}: ${reason}`,
    );
    this.versionId = versionId;
    this.cause = cause;
  }
}
