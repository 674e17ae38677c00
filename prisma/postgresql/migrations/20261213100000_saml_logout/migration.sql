-- AlterTable
ALTER TABLE "LogoutDelivery" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'backchannel';

-- AlterTable
ALTER TABLE "SamlServiceProvider" ADD COLUMN "sloUrls" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "SamlServiceProvider" ADD COLUMN "idpInitiated" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "SamlServiceProvider" ADD COLUMN "metadataUrl" TEXT;

-- CreateTable
CREATE TABLE "SamlSession" (
    "sid" TEXT NOT NULL,
    "spEntityId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "nameId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SamlSession_pkey" PRIMARY KEY ("sid","spEntityId")
);

-- CreateIndex
CREATE INDEX "SamlSession_accountId_idx" ON "SamlSession"("accountId");
