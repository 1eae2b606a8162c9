import { ChemPool } from '../chem/chem-pool.js';

/**
 * One chemistry worker pool for the server's lifetime: starting RDKit workers per request
 * would cost more than most predictions. Started on first use, closed on shutdown.
 */
export class ChemPoolHolder {
  private pool: Promise<ChemPool> | null = null;
  constructor(private readonly size = Math.max(1, Math.min(4, ChemPool.defaultSize()))) {}

  get(): Promise<ChemPool> {
    if (!this.pool) {
      this.pool = ChemPool.start(this.size).catch((e: unknown) => {
        this.pool = null;
        throw e;
      });
    }
    return this.pool;
  }

  async close(): Promise<void> {
    if (this.pool) await (await this.pool.catch(() => null))?.close();
    this.pool = null;
  }
}
