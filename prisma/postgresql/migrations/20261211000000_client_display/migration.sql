-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "description" TEXT,
ADD COLUMN     "homeUrl" TEXT,
ADD COLUMN     "logoEtag" TEXT;

-- CreateTable
CREATE TABLE "ClientLogo" (
    "clientId" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "etag" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ClientLogo_pkey" PRIMARY KEY ("clientId")
);
