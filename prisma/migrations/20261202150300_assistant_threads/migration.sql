-- Issue 11, the shopping assistant: who owns each conversation. The messages
-- themselves live in the agent's checkpoints (assistant_checkpoints, same
-- thread id); this row is what ownership checks and `threads` read.
-- A thread has exactly one owner: a signed-in caller (their token subject;
-- partners as "partner:<sub>") or an anonymous one, known only by the SHA-256
-- of the thread token handed to them (the token itself is never stored).
CREATE TABLE "assistant_threads" (
    "id" UUID NOT NULL,
    "owner_user_id" TEXT,
    "anonymous_owner_hash" TEXT,
    "title" TEXT NOT NULL,
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "assistant_threads_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "assistant_threads_one_owner" CHECK (("owner_user_id" IS NULL) <> ("anonymous_owner_hash" IS NULL))
);

-- `threads`: one owner's conversations, most recently active first.
CREATE INDEX "assistant_threads_owner_user_id_updated_at_idx" ON "assistant_threads"("owner_user_id", "updated_at" DESC);
