-- Model artifacts in the database every role shares (ARTIFACT_STORE=postgres, the default):
-- the trainer writes one per model version, every recommend and updater replica reads the
-- promoted one back. Chunked so no statement carries a whole large artifact; the header row
-- is written last in the same transaction, and readers verify size and sha256.
CREATE TABLE "model_artifacts" (
    "id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "chunks" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "model_artifacts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "model_artifact_chunks" (
    "artifact_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    CONSTRAINT "model_artifact_chunks_pkey" PRIMARY KEY ("artifact_id", "seq")
);
