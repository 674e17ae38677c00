-- AlterTable
ALTER TABLE "Client" ADD COLUMN "previousSecretHash" TEXT;
ALTER TABLE "Client" ADD COLUMN "previousSecretUntil" DATETIME;
