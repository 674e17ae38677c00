-- AlterTable
ALTER TABLE "Client" ADD COLUMN     "previousSecretHash" TEXT,
ADD COLUMN     "previousSecretUntil" TIMESTAMP(3);
