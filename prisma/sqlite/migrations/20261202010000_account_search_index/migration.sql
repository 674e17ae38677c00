-- CreateIndex
CREATE INDEX "Account_search_idx" ON "Account"("search");
