-- AlterTable
ALTER TABLE "Client" ADD COLUMN "requireMfa" BOOLEAN NOT NULL DEFAULT false;
