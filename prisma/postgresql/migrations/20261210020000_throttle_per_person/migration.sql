-- AlterTable
ALTER TABLE "LoginThrottle" ADD COLUMN     "label" TEXT,
ADD COLUMN     "lastFailureAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "LoginThrottle_blockedUntil_idx" ON "LoginThrottle"("blockedUntil");
