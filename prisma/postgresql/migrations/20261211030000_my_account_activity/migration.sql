-- AlterTable
ALTER TABLE "OidcPayload" ADD COLUMN     "address" TEXT,
ADD COLUMN     "lastSeenAt" TIMESTAMP(3),
ADD COLUMN     "userAgent" TEXT;

-- CreateIndex
CREATE INDEX "AuditEvent_subject_type_at_idx" ON "AuditEvent"("subject", "type", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_type_at_idx" ON "AuditEvent"("actor", "type", "at");
