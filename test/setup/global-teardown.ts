/** Stops the embedded PostgreSQL that global-setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { stopEmbeddedPostgres?: () => Promise<void> }).stopEmbeddedPostgres?.();
}
