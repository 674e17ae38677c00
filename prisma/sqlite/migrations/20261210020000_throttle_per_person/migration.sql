-- AlterTable
ALTER TABLE "LoginThrottle" ADD COLUMN "label" TEXT;
ALTER TABLE "LoginThrottle" ADD COLUMN "lastFailureAt" DATETIME;

-- CreateIndex
CREATE INDEX "LoginThrottle_blockedUntil_idx" ON "LoginThrottle"("blockedUntil");
