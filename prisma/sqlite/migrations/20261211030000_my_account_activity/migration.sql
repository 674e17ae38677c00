-- AlterTable
ALTER TABLE "OidcPayload" ADD COLUMN "address" TEXT;
ALTER TABLE "OidcPayload" ADD COLUMN "lastSeenAt" DATETIME;
ALTER TABLE "OidcPayload" ADD COLUMN "userAgent" TEXT;

-- CreateIndex
CREATE INDEX "AuditEvent_subject_type_at_idx" ON "AuditEvent"("subject", "type", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_actor_type_at_idx" ON "AuditEvent"("actor", "type", "at");
