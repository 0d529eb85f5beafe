/**
 * Specific errors for specific failures. Every error carries a stable `code`
 * so callers (the recommend subgraph, CLIs) can map them without string matching.
 */
export class RecsysError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No interactions / no users / no items where at least one is required. */
export class EmptyInputError extends RecsysError {
  constructor(what: string) {
    super('EMPTY_INPUT', `empty input: ${what}`);
  }
}

/** A user or item index outside [0, size). */
export class IndexOutOfRangeError extends RecsysError {
  readonly index: number;
  readonly size: number;
  constructor(kind: string, index: number, size: number) {
    super('INDEX_OUT_OF_RANGE', `${kind} index ${index} out of range [0, ${size})`);
    this.index = index;
    this.size = size;
  }
}

/** Factors became NaN/Infinity during training (usually alpha too large or regularization 0). */
export class NonFiniteFactorsError extends RecsysError {
  readonly iteration: number;
  readonly side: 'user' | 'item';
  readonly row: number;
  constructor(side: 'user' | 'item', iteration: number, row: number) {
    super(
      'FACTORS_NOT_FINITE',
      `${side} factors became NaN/Infinity at iteration ${iteration} (row ${row}); lower alpha or raise regularization`,
    );
    this.side = side;
    this.iteration = iteration;
    this.row = row;
  }
}

/** A dense method (EASE) refuses a catalog larger than its configured limit. */
export class CatalogTooLargeError extends RecsysError {
  constructor(nItems: number, limit: number, method: string) {
    super(
      'CATALOG_TOO_LARGE',
      `${method}: ${nItems} items exceeds the limit of ${limit} (needs a dense ${nItems}x${nItems} float64 matrix, ` +
        `${((nItems * nItems * 8) / 2 ** 20).toFixed(0)} MiB, and O(n^3) time); raise maxItems or restrict the catalog`,
    );
  }
}

/** A matrix that should be symmetric positive definite is not (Cholesky hit a non-positive pivot). */
export class NotPositiveDefiniteError extends RecsysError {
  constructor(pivotIndex: number, value: number) {
    super('NOT_POSITIVE_DEFINITE', `matrix is not positive definite: pivot ${pivotIndex} = ${value}`);
  }
}

/** Model used before fit()/load(). */
export class NotFittedError extends RecsysError {
  constructor(kind: string) {
    super('NOT_FITTED', `${kind} model is not fitted`);
  }
}

/** Shapes disagree (e.g. a user-items matrix with a different number of items than the model). */
export class DimensionMismatchError extends RecsysError {
  constructor(message: string) {
    super('DIMENSION_MISMATCH', message);
  }
}

/** A model artifact failed its CRC32 check (truncated or corrupted file). */
export class ArtifactChecksumError extends RecsysError {
  constructor(expected: number, actual: number) {
    super(
      'ARTIFACT_CHECKSUM',
      `artifact checksum mismatch: stored 0x${expected.toString(16).padStart(8, '0')}, computed 0x${actual
        .toString(16)
        .padStart(8, '0')} (file corrupted or truncated)`,
    );
  }
}

/** A model artifact is not one of ours, or of an unsupported version / kind. */
export class ArtifactFormatError extends RecsysError {
  constructor(message: string) {
    super('ARTIFACT_FORMAT', `invalid model artifact: ${message}`);
  }
}

/** An input file could not be parsed. */
export class ParseError extends RecsysError {
  constructor(file: string, line: number, message: string) {
    super('PARSE_ERROR', `${file}:${line}: ${message}`);
  }
}
