-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "admin" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "search" TEXT NOT NULL DEFAULT '';
