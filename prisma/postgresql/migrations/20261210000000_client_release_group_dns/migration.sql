-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "releaseGroupDns" BOOLEAN NOT NULL DEFAULT false;
